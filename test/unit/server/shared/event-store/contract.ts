import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventId, JSONRPCMessage, RequestId } from '@modelcontextprotocol/server';
import type { EventStoreLimits } from '../../../../../src/server/shared/event-store/memory.js';
import { withRequestIds } from '../../../../../src/server/shared/event-store/request-context.js';
import {
  type EventStores,
  type SessionEventStore,
  UnknownEventError,
} from '../../../../../src/server/shared/shared-state.js';

/** How a contract run gets its stores. */
export interface EventStoreFixture {
  /** Two replicas of one shared state (in memory: the one process, twice). */
  replicas(limits: EventStoreLimits): Promise<{ a: EventStores; b: EventStores }>;
  /** Waits until what `store` wrote is visible to every replica. */
  settle(store: SessionEventStore): Promise<void>;
  close(): Promise<void>;
}

export const roomy: EventStoreLimits = { maxEvents: 100, maxBytes: 1_000_000, ttlMs: 60_000 };

export const note = (n: number): JSONRPCMessage => ({
  jsonrpc: '2.0',
  method: 'notifications/progress',
  params: { progressToken: 't', progress: n },
});

export const result = (id: RequestId): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: { content: [] } });

const failure = (id: RequestId): JSONRPCMessage => ({
  jsonrpc: '2.0',
  id,
  error: { code: -32603, message: 'The replica running this call stopped' },
});

/** What a message is, in one word: `p<n>` for progress, `r<id>` for a result, `e<id>` for an error. */
function label(message: JSONRPCMessage): string {
  if ('method' in message) return `p${(message.params as { progress?: number } | undefined)?.progress}`;
  if ('result' in message) return `r${String(message.id)}`;
  if ('error' in message) return `e${String(message.id)}`;
  return 'priming';
}

async function replay(store: SessionEventStore, after: EventId) {
  const seen: string[] = [];
  const ids: EventId[] = [];
  const streamId = await store.replayEventsAfter(after, {
    send: async (id, message) => {
      ids.push(id);
      seen.push(label(message));
    },
  });
  return { streamId, seen, ids };
}

/** Starts a tail and records what it sends; `reached(n)` resolves once it has sent n events. */
function startTail(store: SessionEventStore, after: EventId, signal = new AbortController().signal) {
  const seen: string[] = [];
  const ids: EventId[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const done = store.tail(
    after,
    (id, message) => {
      ids.push(id);
      seen.push(label(message));
      for (const waiter of waiters.filter((w) => seen.length >= w.n)) waiter.resolve();
    },
    signal,
  );
  const reached = (n: number) =>
    new Promise<void>((resolve, reject) => {
      if (seen.length >= n) return resolve();
      waiters.push({ n, resolve });
      done.then(() => reject(new Error(`the tail ended after ${seen.length} of ${n} events`)), reject);
    });
  return { seen, ids, done, reached };
}

/** Stores messages in order on one stream, as the SDK does: each store awaited before the next. */
async function storeAll(store: SessionEventStore, streamId: string, messages: JSONRPCMessage[]) {
  const ids: EventId[] = [];
  for (const message of messages) ids.push(await store.storeEvent(streamId, message));
  return ids;
}

/** Runs `storeAll` as a POST answering `requestIds` would: inside its request-id context. */
const storeForPost = (
  requestIds: RequestId[],
  store: SessionEventStore,
  streamId: string,
  messages: JSONRPCMessage[],
) => withRequestIds(requestIds, () => storeAll(store, streamId, messages));

const priming: JSONRPCMessage = {} as JSONRPCMessage;

/** The cases every `SessionEventStore` meets, whatever keeps the events. */
export function eventStoreContract(name: string, makeFixture: () => Promise<EventStoreFixture>): void {
  describe(`${name}: the event store contract`, () => {
    let fixture: EventStoreFixture | undefined;
    before(async () => {
      fixture = await makeFixture();
    });
    after(() => fixture?.close());

    const session = async (limits: EventStoreLimits = roomy) => {
      assert.ok(fixture, 'the fixture started');
      const { a, b } = await fixture.replicas(limits);
      const id = randomUUID();
      return { a: a.forSession(id), b: b.forSession(id), settle: fixture.settle };
    };

    it('gives ids unique within the session that name their stream', async () => {
      const { a } = await session();
      const [x, y] = [randomUUID(), randomUUID()];
      const ids = new Map<EventId, string>();
      for (let i = 0; i < 40; i++) {
        const stream = i % 2 ? x : y;
        ids.set(await a.storeEvent(stream, note(i)), stream);
      }
      assert.equal(ids.size, 40);
      for (const [id, stream] of ids) assert.equal(await a.getStreamIdForEventId(id), stream);
    });

    it('replays only the later events of the same stream, on any replica', async () => {
      const { a, b, settle } = await session();
      const [x, y] = [randomUUID(), randomUUID()];
      const [x1] = await storeAll(a, x, [note(1)]);
      await storeAll(a, y, [note(100)]);
      const [x2] = await storeAll(a, x, [note(2), note(3)]);
      await storeAll(a, y, [note(101)]);
      await settle(a);
      const { streamId, seen, ids } = await replay(b, x1 ?? '');
      assert.equal(streamId, x);
      assert.deepEqual(seen, ['p2', 'p3']);
      assert.equal(ids[0], x2);
    });

    it('throws UnknownEventError for an id it does not know', async () => {
      const { a } = await session();
      const other = await session();
      const [foreign] = await storeAll(other.a, randomUUID(), [note(1)]);
      await other.settle(other.a);
      for (const id of ['nope', '', foreign ?? '']) {
        await assert.rejects(replay(a, id), UnknownEventError);
        await assert.rejects(startTail(a, id).done, UnknownEventError);
      }
    });

    it('keeps at most maxEvents per stream, dropping the oldest', async () => {
      const { a, b, settle } = await session({ ...roomy, maxEvents: 3 });
      const ids = await storeAll(a, randomUUID(), [1, 2, 3, 4, 5].map(note));
      await settle(a);
      await assert.rejects(replay(b, ids[0] ?? ''), UnknownEventError);
      await assert.rejects(replay(b, ids[1] ?? ''), UnknownEventError);
      assert.deepEqual((await replay(b, ids[2] ?? '')).seen, ['p4', 'p5']);
    });

    it('keeps at most maxEvents per session once streams end, the oldest stream losing its oldest events', async () => {
      const { a, b, settle } = await session({ ...roomy, maxEvents: 4 });
      const first = await storeForPost([1], a, randomUUID(), [note(1), note(2), result(1)]);
      await settle(a);
      const second = await storeForPost([2], a, randomUUID(), [note(3), note(4), result(2)]);
      await settle(a);
      await assert.rejects(replay(b, first[0] ?? ''), UnknownEventError);
      await assert.rejects(replay(b, first[1] ?? ''), UnknownEventError);
      assert.deepEqual((await replay(b, first[2] ?? '')).seen, []);
      assert.deepEqual((await replay(b, second[0] ?? '')).seen, ['p4', 'r2']);
    });

    it('drops an old stream whole when all its events must go', async () => {
      const { a, b, settle } = await session({ ...roomy, maxEvents: 4 });
      const [first] = await storeForPost([1], a, randomUUID(), [result(1)]);
      await settle(a);
      const second = await storeForPost([2], a, randomUUID(), [note(1), note(2), note(3), result(2)]);
      await settle(a);
      await assert.rejects(replay(b, first ?? ''), UnknownEventError);
      assert.deepEqual((await replay(b, second[0] ?? '')).seen, ['p2', 'p3', 'r2']);
    });

    it('keeps at most maxBytes, dropping the oldest', async () => {
      const maxBytes = 300;
      const { a, b, settle } = await session({ ...roomy, maxBytes });
      const messages = Array.from({ length: 20 }, (_, i) => note(1000 + i));
      const ids = await storeAll(a, randomUUID(), messages);
      await settle(a);
      let kept = 0;
      for (let i = ids.length - 1; i >= 0; i--) {
        const known = await replay(b, ids[i] ?? '').then(
          () => true,
          () => false,
        );
        if (!known) break;
        kept += 1;
      }
      const size = Buffer.byteLength(JSON.stringify(messages[0]));
      assert.equal(kept, Math.floor(maxBytes / size), `${kept} events of ${size} bytes kept`);
    });

    it('does not keep a notification larger than maxBytes, and keeps a response that large as an error', async () => {
      const { a, b, settle } = await session({ ...roomy, maxBytes: 400 });
      const big = (n: number): JSONRPCMessage => ({
        jsonrpc: '2.0',
        method: 'notifications/message',
        params: { level: 'info', data: 'x'.repeat(500 + n) },
      });
      const large: JSONRPCMessage = { jsonrpc: '2.0', id: 1, result: { text: 'y'.repeat(1000) } };
      const stream = randomUUID();
      const [start, tooBig] = await storeForPost([1], a, stream, [priming, big(1), note(1), large]);
      await settle(a);
      await assert.rejects(replay(b, tooBig ?? ''), UnknownEventError);
      const tail = startTail(b, start ?? '');
      assert.equal(await tail.done, true);
      assert.deepEqual(tail.seen, ['p1', 'e1']);
    });

    it('drops events older than the TTL', async () => {
      const ttlMs = 300;
      const { a, b, settle } = await session({ ...roomy, ttlMs });
      const stream = randomUUID();
      const [old] = await storeAll(a, stream, [note(1)]);
      await settle(a);
      await sleep(2 * ttlMs + 200);
      const [fresh] = await storeAll(a, stream, [note(2)]);
      await settle(a);
      await assert.rejects(replay(b, old ?? ''), UnknownEventError);
      assert.deepEqual((await replay(b, fresh ?? '')).seen, []);
    });

    it('tails the later events, then live ones, in order and once each, until the final response', async () => {
      const { a, b, settle } = await session();
      const stream = randomUUID();
      const stored = await storeForPost([1], a, stream, [priming, note(1), note(2)]);
      await settle(a);
      const tail = startTail(b, stored[0] ?? '');
      await tail.reached(2);
      stored.push(...(await storeAll(a, stream, [note(3), note(4), result(1)])));
      assert.equal(await tail.done, true);
      assert.deepEqual(tail.seen, ['p1', 'p2', 'p3', 'p4', 'r1']);
      assert.deepEqual(tail.ids, stored.slice(1));
    });

    it('misses nothing written while the tail was starting', async () => {
      const { a, b, settle } = await session();
      const stream = randomUUID();
      const [start] = await storeForPost([1], a, stream, [priming]);
      await settle(a);
      const tail = startTail(b, start ?? '');
      await storeAll(a, stream, [...Array.from({ length: 50 }, (_, i) => note(i)), result(1)]);
      assert.equal(await tail.done, true);
      assert.deepEqual(tail.seen, [...Array.from({ length: 50 }, (_, i) => `p${i}`), 'r1']);
    });

    it('ends a tail of a batch only with the last of its responses', async () => {
      const { a, b, settle } = await session();
      const stream = randomUUID();
      const [start] = await storeForPost([1, 2], a, stream, [priming, result(2)]);
      await settle(a);
      const tail = startTail(b, start ?? '');
      await tail.reached(1);
      await storeAll(a, stream, [note(5), result(1)]);
      assert.equal(await tail.done, true);
      assert.deepEqual(tail.seen, ['r2', 'p5', 'r1']);
    });

    it('ends a tail at once after the final response', async () => {
      const { a, b, settle } = await session();
      const ids = await storeForPost([1], a, randomUUID(), [priming, result(1)]);
      await settle(a);
      const tail = startTail(b, ids[1] ?? '');
      assert.equal(await tail.done, true);
      assert.deepEqual(tail.seen, []);
    });

    it('ends a tail with false when its signal aborts', async () => {
      const { a, b, settle } = await session();
      const [start] = await storeForPost([1], a, randomUUID(), [priming, note(1)]);
      await settle(a);
      const controller = new AbortController();
      const tail = startTail(b, start ?? '', controller.signal);
      await tail.reached(1);
      controller.abort();
      assert.equal(await tail.done, false);
      assert.equal(await startTail(b, start ?? '', AbortSignal.abort()).done, false);
    });

    it('appendFinal answers a request on its stream, reaching a tail on another replica', async () => {
      const { a, b, settle } = await session();
      const stream = randomUUID();
      const [start] = await storeForPost([7], a, stream, [priming, note(1)]);
      await settle(a);
      const tail = startTail(b, start ?? '');
      await tail.reached(1);
      await b.appendFinal(99, failure(99));
      await b.appendFinal(7, failure(7));
      assert.equal(await tail.done, true);
      assert.deepEqual(tail.seen, ['p1', 'e7']);
      await b.appendFinal(7, failure(7));
      assert.deepEqual((await replay(a, start ?? '')).seen, ['p1', 'e7'], 'answered once');
    });

    it('appendFinal leaves a request that was answered alone', async () => {
      const { a, b, settle } = await session();
      const [start] = await storeForPost([5], a, randomUUID(), [priming, result(5)]);
      await settle(a);
      await b.appendFinal(5, failure(5));
      assert.deepEqual((await replay(b, start ?? '')).seen, ['r5']);
    });

    it('says the writer writes a stream that has not ended', async () => {
      const { a } = await session();
      const stream = randomUUID();
      await storeForPost([1], a, stream, [priming, note(1)]);
      assert.equal(a.writesLocally(stream), true);
    });

    it('clear forgets the session, and ends its tails on this replica', async () => {
      const { a } = await session();
      const other = await session();
      const [start] = await storeForPost([1], a, randomUUID(), [priming, note(1)]);
      const [kept] = await storeAll(other.a, randomUUID(), [note(1), note(2)]);
      await other.settle(other.a);
      const tail = startTail(a, start ?? '');
      await tail.reached(1);
      await a.clear();
      assert.equal(await tail.done, false);
      await assert.rejects(replay(a, start ?? ''), UnknownEventError);
      assert.deepEqual((await replay(other.b, kept ?? '')).seen, ['p2'], 'another session keeps its events');
    });
  });
}
