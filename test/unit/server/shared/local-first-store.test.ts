import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClientRateLimitInfo, Options } from 'express-rate-limit';
import {
  LIMITER_SYNC_MS,
  LocalFirstStore,
  type SharedCounters,
} from '../../../../src/server/shared/local-first-store.js';

const WINDOW = { windowMs: 60_000 } as Options;

/**
 * Shared fixed-window counters (standing in for Redis) whose replies are held until `release`,
 * so a test can see what a replica answers before the store has. `sent` lists every command.
 */
function heldStore() {
  const counts = new Map<string, ClientRateLimitInfo>();
  const held: Array<() => void> = [];
  const sent: Array<[string, string, number?]> = [];
  let failing = false;
  const hold = <T>(work: () => T): Promise<T> =>
    new Promise<T>((resolve, reject) =>
      held.push(() => (failing ? reject(new Error('store away')) : resolve(work()))),
    );
  const live = (key: string) => {
    const info = counts.get(key);
    return info?.resetTime && info.resetTime.getTime() > Date.now() ? info : undefined;
  };
  const store: SharedCounters = {
    prefix: 'test:',
    init: () => undefined,
    add: (key, points) => {
      sent.push(['add', key, points]);
      return hold(() => {
        const info = live(key) ?? { totalHits: 0, resetTime: new Date(Date.now() + WINDOW.windowMs) };
        info.totalHits += points;
        counts.set(key, info);
        return { ...info };
      });
    },
    get: (key) => {
      sent.push(['get', key]);
      return hold(() => {
        const info = live(key);
        return info && { ...info };
      });
    },
    reset: (key) => {
      sent.push(['reset', key]);
      return hold(() => void counts.delete(key));
    },
  };
  return {
    store,
    sent,
    held: () => held.length,
    fail: (on: boolean) => {
      failing = on;
    },
    /** Answers every command sent so far, in order, and lets the replies land. */
    async release() {
      for (const answer of held.splice(0)) answer();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

function replica(inner: SharedCounters, clock: { now: number }, flushMs = 0) {
  const store = new LocalFirstStore(inner, { now: () => clock.now, flushMs });
  store.init(WINDOW);
  return store;
}

describe('LocalFirstStore', () => {
  it("counts this replica's requests at once, before the shared store has answered", async () => {
    const redis = heldStore();
    const store = replica(redis.store, { now: Date.now() });
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push((await store.increment('alice')).totalHits);
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(redis.held(), 3, 'every increment still goes to the shared store');
    await redis.release();
    assert.equal((await store.increment('alice')).totalHits, 4);
  });

  it("adopts other replicas' counts from each reply, and asks again once its view is stale", async () => {
    const redis = heldStore();
    const clock = { now: Date.now() };
    const a = replica(redis.store, clock);
    const b = replica(redis.store, clock);
    for (let i = 0; i < 3; i++) await a.increment('mallory');
    await redis.release();
    // b has never seen mallory: it answers at once and asks the store behind the request.
    assert.equal(await b.get('mallory'), undefined);
    await redis.release();
    assert.equal((await b.get('mallory'))?.totalHits, 3);
    assert.equal(redis.held(), 0, 'a fresh view needs no round trip');

    await a.increment('mallory');
    await redis.release();
    assert.equal((await b.get('mallory'))?.totalHits, 3, 'within the sync interval the view may lag');
    clock.now += LIMITER_SYNC_MS;
    assert.equal((await b.get('mallory'))?.totalHits, 3);
    await redis.release();
    assert.equal((await b.get('mallory'))?.totalHits, 4);
    // b's own increment brings the shared count plus itself.
    assert.equal((await b.increment('mallory')).totalHits, 5);
  });

  it('forgets a count when its window ends', async () => {
    const redis = heldStore();
    const clock = { now: Date.now() };
    const store = replica(redis.store, clock);
    await store.increment('bob');
    await redis.release();
    const info = await store.get('bob');
    assert.equal(info?.totalHits, 1);
    assert.ok(info?.resetTime);
    clock.now = info.resetTime.getTime();
    assert.equal(await store.get('bob'), undefined);
  });

  it('when the shared store fails, counts only what is unanswered (fails open) and keeps the last count', async () => {
    const redis = heldStore();
    const store = replica(redis.store, { now: Date.now() });
    await store.increment('carol');
    await redis.release();
    redis.fail(true);
    assert.equal((await store.increment('carol')).totalHits, 2);
    await redis.release();
    assert.equal((await store.increment('carol')).totalHits, 2, 'the failed increment no longer counts');
  });

  it("gathers increments per key and sends each key's as one command when it flushes", async () => {
    const redis = heldStore();
    const store = replica(redis.store, { now: Date.now() }, 60_000);
    const seen = [];
    for (let i = 0; i < 5; i++) seen.push((await store.increment('erin')).totalHits);
    await store.increment('frank');
    assert.deepEqual(seen, [1, 2, 3, 4, 5], 'counted at once, though not sent');
    assert.equal(redis.sent.length, 0);
    store.flush();
    assert.deepEqual(redis.sent, [
      ['add', 'erin', 5],
      ['add', 'frank', 1],
    ]);
    await redis.release();
    assert.equal((await store.increment('erin')).totalHits, 6, 'the reply replaces what was pending');
    store.flush();
    await redis.release();
    const other = replica(redis.store, { now: Date.now() });
    await other.get('erin');
    await redis.release();
    assert.equal((await other.get('erin'))?.totalHits, 6);
  });

  it('flushes on its own within flushMs', async () => {
    const redis = heldStore();
    const store = replica(redis.store, { now: Date.now() }, 5);
    await store.increment('grace');
    await store.increment('grace');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(redis.sent, [['add', 'grace', 2]]);
  });

  it('a failed flush drops what it carried: the limiter fails open', async () => {
    const redis = heldStore();
    const store = replica(redis.store, { now: Date.now() }, 60_000);
    redis.fail(true);
    for (let i = 0; i < 3; i++) await store.increment('heidi');
    store.flush();
    await redis.release();
    assert.equal((await store.increment('heidi')).totalHits, 1);
  });

  it('resetKey and decrement reach the shared store', async () => {
    const redis = heldStore();
    const store = replica(redis.store, { now: Date.now() });
    await store.increment('dave');
    await store.increment('dave');
    await redis.release();
    await store.decrement('dave');
    await redis.release();
    const other = replica(redis.store, { now: Date.now() });
    await other.get('dave');
    await redis.release();
    assert.equal((await other.get('dave'))?.totalHits, 1);
    const reset = store.resetKey('dave');
    await redis.release();
    await reset;
    assert.equal((await store.increment('dave')).totalHits, 1);
  });
});
