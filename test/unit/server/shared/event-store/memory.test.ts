import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { eventStoreBytes, eventStoreEvents } from '../../../../../src/server/observability/metrics.js';
import { MemoryEventStore } from '../../../../../src/server/shared/event-store/memory.js';

const note = (n: number): JSONRPCMessage => ({
  jsonrpc: '2.0',
  method: 'notifications/progress',
  params: { progressToken: 't', progress: n },
});

async function replay(store: MemoryEventStore, after: string) {
  const seen: { id: string; message: JSONRPCMessage }[] = [];
  const streamId = await store.replayEventsAfter(after, {
    send: async (id, message) => {
      seen.push({ id, message });
    },
  });
  return { streamId, seen };
}

describe('MemoryEventStore', () => {
  const roomy = { maxEvents: 100, maxBytes: 1_000_000, ttlMs: 60_000 };

  it('replays only later events of the same stream', async () => {
    const store = new MemoryEventStore(roomy);
    const a1 = await store.storeEvent('a', note(1));
    await store.storeEvent('b', note(100));
    const a2 = await store.storeEvent('a', note(2));
    await store.storeEvent('a', note(3));
    const { streamId, seen } = await replay(store, a1);
    assert.equal(streamId, 'a');
    assert.deepEqual(
      seen.map((s) => (s.message as unknown as { params: { progress: number } }).params.progress),
      [2, 3],
    );
    assert.equal(seen[0]?.id, a2);
  });

  it('gives ids unique within the session that name their stream', async () => {
    const store = new MemoryEventStore(roomy);
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) ids.add(await store.storeEvent(i % 2 ? 'x' : 'y', note(i)));
    assert.equal(ids.size, 50);
    const first = [...ids][0] ?? '';
    assert.equal(await store.getStreamIdForEventId(first), 'y');
  });

  it('evicts the oldest events past maxEvents', async () => {
    const store = new MemoryEventStore({ ...roomy, maxEvents: 3 });
    const first = await store.storeEvent('s', note(1));
    for (let i = 2; i <= 5; i++) await store.storeEvent('s', note(i));
    assert.equal(store.size, 3);
    assert.equal(await store.getStreamIdForEventId(first), undefined);
    await assert.rejects(replay(store, first), /Unknown or expired event id/);
  });

  it('evicts past maxBytes', async () => {
    const store = new MemoryEventStore({ ...roomy, maxBytes: 300 });
    for (let i = 0; i < 20; i++) await store.storeEvent('s', note(i));
    assert.ok(store.bytes <= 300, `holds ${store.bytes} bytes`);
    assert.ok(store.size > 0);
  });

  it('drops events older than the TTL', async () => {
    let now = 1_000;
    const store = new MemoryEventStore({ ...roomy, ttlMs: 500 }, () => now);
    const old = await store.storeEvent('s', note(1));
    now += 600;
    const fresh = await store.storeEvent('s', note(2));
    assert.equal(await store.getStreamIdForEventId(old), undefined);
    assert.equal(await store.getStreamIdForEventId(fresh), 's');
  });

  it('forgets everything on clear', async () => {
    const store = new MemoryEventStore(roomy);
    await store.storeEvent('s', note(1));
    store.clear();
    assert.equal(store.size, 0);
    assert.equal(store.bytes, 0);
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
    one.clear();
    two.clear();
    assert.equal(await gauge(eventStoreEvents), events0);
    assert.equal(await gauge(eventStoreBytes), bytes0);
  });
});
