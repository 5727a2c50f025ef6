import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { withDeadline } from '../../../../../src/server/shared/redis/deadline.js';

class Late extends Error {}

describe('withDeadline', () => {
  it('settles as the work does when it is in time', async () => {
    assert.equal(await withDeadline(Promise.resolve(7), 1000, () => new Late()), 7);
    await assert.rejects(
      withDeadline(Promise.reject(new RangeError('no')), 1000, () => new Late()),
      RangeError,
    );
  });

  it('rejects with the given error once the time is up, without waiting for the work', async () => {
    const started = Date.now();
    const never = new Promise<never>(() => {});
    await assert.rejects(
      withDeadline(never, 50, () => new Late('too slow')),
      Late,
    );
    assert.ok(Date.now() - started < 5000);
  });

  it('leaves no unhandled rejection when the work fails after the deadline', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const late = sleep(80).then(() => Promise.reject(new Error('late failure')));
      await assert.rejects(
        withDeadline(late, 10, () => new Late()),
        Late,
      );
      await sleep(150);
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
