import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import {
  postsWaitingForStream,
  takeRequestIds,
  withRequestIds,
} from '../../../../../src/server/shared/event-store/request-context.js';

describe('request-id context', () => {
  it("gives a POST's ids to the first stream it opens, once, across awaits", async () => {
    const taken = await withRequestIds([1, 'b'], async () => {
      await tick();
      const first = takeRequestIds();
      await tick();
      return [first, takeRequestIds()];
    });
    assert.deepEqual(taken, [[1, 'b'], undefined]);
    assert.equal(takeRequestIds(), undefined, 'nothing outside a context');
  });

  it('keeps concurrent POSTs apart', async () => {
    const post = (id: number, waits: number) =>
      withRequestIds([id], async () => {
        for (let i = 0; i < waits; i++) await tick();
        return takeRequestIds();
      });
    assert.deepEqual(await Promise.all([post(1, 3), post(2, 1), post(3, 2)]), [[1], [2], [3]]);
  });

  it('counts a POST as waiting until its stream takes the ids or it settles, whatever way it ends', async () => {
    assert.equal(postsWaitingForStream(), 0);
    let release = () => {};
    const held = withRequestIds([1], () => new Promise<void>((done) => (release = done)));
    const taking = withRequestIds([2], async () => {
      await tick();
      takeRequestIds();
      await new Promise<void>((done) => setTimeout(done, 20));
    });
    assert.equal(postsWaitingForStream(), 2);
    await tick();
    await tick();
    assert.equal(postsWaitingForStream(), 1, 'taken: no longer waiting, though still running');
    release();
    await Promise.all([held, taking]);
    assert.equal(postsWaitingForStream(), 0);

    assert.equal(
      withRequestIds([3], () => 'sync'),
      'sync',
    );
    assert.throws(() =>
      withRequestIds([4], () => {
        throw new Error('thrown');
      }),
    );
    await assert.rejects(withRequestIds([5], async () => Promise.reject(new Error('rejected'))));
    assert.equal(postsWaitingForStream(), 0, 'a sync return, a throw and a rejection all settle');
  });
});
