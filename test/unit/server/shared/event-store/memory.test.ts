import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventStoreBytes, eventStoreEvents } from '../../../../../src/server/observability/metrics.js';
import { MemoryEventStore, MemoryEventStores } from '../../../../../src/server/shared/event-store/memory.js';
import { eventStoreContract, note, roomy } from './contract.js';

eventStoreContract('MemoryEventStore', async () => ({
  async replicas(limits) {
    // One process: "another replica" is the same stores.
    const stores = new MemoryEventStores(limits);
    return { a: stores, b: stores };
  },
  settle: async () => undefined,
  close: async () => undefined,
}));

describe('MemoryEventStore', () => {
  it('no longer names the stream of an evicted event', async () => {
    const store = new MemoryEventStore({ ...roomy, maxEvents: 3 });
    const first = await store.storeEvent('s', note(1));
    for (let i = 2; i <= 5; i++) await store.storeEvent('s', note(i));
    assert.equal(store.size, 3);
    assert.equal(await store.getStreamIdForEventId(first), undefined);
  });

  it('drops events older than the TTL by its own clock', async () => {
    let now = 1_000;
    const store = new MemoryEventStore({ ...roomy, ttlMs: 500 }, () => now);
    const old = await store.storeEvent('s', note(1));
    now += 600;
    const fresh = await store.storeEvent('s', note(2));
    assert.equal(await store.getStreamIdForEventId(old), undefined);
    assert.equal(await store.getStreamIdForEventId(fresh), 's');
  });

  it('gives the same store for a session until it is cleared', async () => {
    const stores = new MemoryEventStores(roomy);
    const store = stores.forSession('one');
    assert.equal(stores.forSession('one'), store);
    assert.notEqual(stores.forSession('two'), store);
    await store.storeEvent('s', note(1));
    await store.clear();
    assert.equal(store.size, 0);
    assert.equal(store.bytes, 0);
    assert.notEqual(stores.forSession('one'), store);
  });

  it('shows what every store holds in the gauges, at scrape time', async () => {
    const gauge = async (metric: typeof eventStoreEvents) => (await metric.get()).values[0]?.value ?? 0;
    const [events0, bytes0] = [await gauge(eventStoreEvents), await gauge(eventStoreBytes)];
    const one = new MemoryEventStore(roomy);
    const two = new MemoryEventStore({ ...roomy, maxEvents: 1 });
    await one.storeEvent('s', note(1));
    await two.storeEvent('s', note(2));
    await two.storeEvent('s', note(3));
    assert.equal((await gauge(eventStoreEvents)) - events0, 2, 'the evicted event no longer counts');
    assert.equal((await gauge(eventStoreBytes)) - bytes0, one.bytes + two.bytes);
    await one.clear();
    await two.clear();
    assert.equal(await gauge(eventStoreEvents), events0);
    assert.equal(await gauge(eventStoreBytes), bytes0);
  });
});
