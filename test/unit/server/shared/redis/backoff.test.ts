import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RECONNECT_BASE_MS,
  RECONNECT_CAP_MS,
  reconnectDelay,
} from '../../../../../src/server/shared/redis/backoff.js';

describe('reconnectDelay', () => {
  it('doubles from the base and stops at the cap', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 6].map((retries) => reconnectDelay(retries, () => 1));
    assert.deepEqual(ceilings, [100, 200, 400, 800, 1600, 3000, 3000]);
    assert.equal(RECONNECT_BASE_MS, 100);
    assert.equal(RECONNECT_CAP_MS, 3000);
  });

  it('keeps half of each step fixed and jitters the other half', () => {
    assert.equal(
      reconnectDelay(0, () => 0),
      50,
    );
    assert.equal(
      reconnectDelay(3, () => 0.5),
      600,
    );
    assert.equal(
      reconnectDelay(20, () => 0),
      1500,
    );
  });

  it('never gives up and never exceeds the cap, however many attempts failed', () => {
    for (const retries of [0, 1, 10, 31, 1000, Number.MAX_SAFE_INTEGER]) {
      const delay = reconnectDelay(retries);
      assert.equal(typeof delay, 'number');
      assert.ok(delay >= RECONNECT_BASE_MS / 2 && delay <= RECONNECT_CAP_MS, `${retries}: ${delay}`);
    }
  });

  it('spreads replicas that lost Redis together', () => {
    const delays = new Set(Array.from({ length: 20 }, () => reconnectDelay(8)));
    assert.ok(delays.size > 1, 'jittered');
  });
});
