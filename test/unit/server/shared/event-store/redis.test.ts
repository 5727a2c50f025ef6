import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { createClient } from 'redis';
import { createLogger } from '../../../../../src/server/observability/logger.js';
import { eventStoreWriteErrors } from '../../../../../src/server/observability/metrics.js';
import type { EventStoreLimits } from '../../../../../src/server/shared/event-store/memory.js';
import {
  type RedisEventStoreOptions,
  RedisEventStores,
  RedisSessionEventStore,
} from '../../../../../src/server/shared/event-store/redis.js';
import { withRequestIds } from '../../../../../src/server/shared/event-store/request-context.js';
import { type RedisServer, startRedis } from '../../../../helpers/redis-server.js';
import { eventStoreContract, note, result, roomy } from './contract.js';

// Runs Debian's 'redis-server' on a free loopback port (test/helpers/redis-server.ts).

/** One process's connections and stores on a redis-server, as a replica holds them. */
async function replica(url: string, options: RedisEventStoreOptions) {
  const client = createClient({ url });
  await client.connect();
  let blockingOpened = 0;
  const stores = new RedisEventStores(
    client,
    async () => {
      blockingOpened += 1;
      const connection = client.duplicate();
      await connection.connect();
      return connection;
    },
    options,
  );
  return {
    client,
    stores,
    blockingOpened: () => blockingOpened,
    async close() {
      await stores.close();
      client.destroy();
    },
  };
}

let prefixes = 0;
/** Store options with a fresh key prefix; the log lines go to `lines`. */
function options(
  limits: EventStoreLimits,
  extra: Partial<RedisEventStoreOptions> = {},
  lines: string[] = [],
): RedisEventStoreOptions {
  return {
    keyPrefix: `test${++prefixes}:`,
    limits,
    logger: createLogger(
      { logLevel: 'info', logFormat: 'json', replicaId: 'test' },
      { write: (line: string) => lines.push(line) },
    ),
    ...extra,
  };
}

const settle = (store: unknown) =>
  store instanceof RedisSessionEventStore ? store.flush() : Promise.reject(new Error('not a Redis store'));

eventStoreContract('RedisEventStores', async () => {
  const server = await startRedis();
  const replicas: { close(): Promise<void> }[] = [];
  return {
    async replicas(limits) {
      // Two processes on one redis-server: each with its own connections and writer ids.
      const shared = options(limits);
      const [a, b] = await Promise.all([replica(server.url, shared), replica(server.url, shared)]);
      replicas.push(a, b);
      return { a: a.stores, b: b.stores };
    },
    settle,
    async close() {
      await Promise.all(replicas.map((r) => r.close()));
      await server.stop();
    },
  };
});

describe('RedisEventStores', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(() => server.stop());

  it('keeps a session under its hash tag, each key expiring within the TTL', async () => {
    const opts = options({ ...roomy, ttlMs: 60_000 });
    const { client, stores, close } = await replica(server.url, opts);
    const sessionId = randomUUID();
    const store = stores.forSession(sessionId);
    const stream = randomUUID();
    await withRequestIds([1], () => store.storeEvent(stream, note(1)));
    await store.flush();
    const keys = (await client.keys(`${opts.keyPrefix}*`)).sort();
    assert.equal(keys.length, 2, keys.join(' '));
    const [laneKey = '', metaKey = ''] = keys;
    assert.equal(metaKey, `${opts.keyPrefix}{${sessionId}}:ev:meta`);
    assert.match(laneKey, new RegExp(`^${opts.keyPrefix}\\{${sessionId}\\}:ev:[0-9a-f]{12}\\.${stream}$`));
    for (const key of keys) {
      const ttl = await client.pTTL(key);
      assert.ok(ttl > 0 && ttl <= 60_000, `${key} expires in ${ttl} ms`);
    }
    const meta = await client.hGetAll(metaKey);
    const lane = laneKey.slice(laneKey.lastIndexOf(':') + 1);
    assert.deepEqual(meta, { [`l:${lane}`]: 'open', [`q:${lane}`]: '1', 'r:1': lane });
    await store.clear();
    assert.deepEqual(await client.keys(`${opts.keyPrefix}*`), []);
    await close();
  });

  it('names only kept streams in the meta hash, with their size once ended', async () => {
    const opts = options({ ...roomy, maxEvents: 4 });
    const { client, stores, close } = await replica(server.url, opts);
    const sessionId = randomUUID();
    const store = stores.forSession(sessionId);
    await withRequestIds([1], () => store.storeEvent(randomUUID(), result(1)));
    await store.flush();
    const stream = randomUUID();
    await withRequestIds(['b'], async () => {
      for (const message of [note(1), note(2), note(3), result('b')]) await store.storeEvent(stream, message);
    });
    await store.flush();
    const meta = await client.hGetAll(`${opts.keyPrefix}{${sessionId}}:ev:meta`);
    const [lane = ''] = Object.values(meta).filter((value) => value.endsWith(stream));
    assert.deepEqual(
      Object.keys(meta).sort(),
      [`l:${lane}`, `q:${lane}`, 'r:"b"', 't'],
      'the dropped stream is forgotten',
    );
    assert.match(meta[`l:${lane}`] ?? '', /^\d+ 4 \d+$/, 'ended at, events, bytes');
    assert.equal(meta.t, `4 ${meta[`l:${lane}`]?.split(' ')[2]}`, 'the totals are the kept stream alone');
    assert.deepEqual(await client.lRange(`${opts.keyPrefix}{${sessionId}}:ev:ended`, 0, -1), [lane]);
    await close();
  });

  it('ends a stream with the same few commands however many streams the session has ended', async () => {
    // Roomy enough that nothing is dropped: the cost measured is the bookkeeping alone.
    const opts = options({ ...roomy, maxEvents: 100_000, maxBytes: 100_000_000 });
    const { client, stores, close } = await replica(server.url, opts);
    const store = stores.forSession(randomUUID());
    const call = async (id: number) => {
      await withRequestIds([id], async () => {
        const stream = randomUUID();
        for (const message of [note(1), note(2), result(id)]) await store.storeEvent(stream, message);
      });
      await store.flush();
    };
    const commandsOfOneCall = async () => {
      await client.configResetStat();
      await call(10_000 + Math.floor(Math.random() * 1000));
      const stats = await client.info('commandstats');
      return [...stats.matchAll(/cmdstat_(\w+):calls=(\d+)/g)]
        .filter(([, name]) => name !== 'config' && name !== 'info')
        .reduce((sum, [, , calls]) => sum + Number(calls), 0);
    };
    await call(1);
    const early = await commandsOfOneCall();
    for (let id = 2; id < 300; id++) await call(id);
    const late = await commandsOfOneCall();
    // Before the running totals, each end read the whole meta hash and ran EXISTS on every lane.
    assert.ok(late <= early + 1, `one call: ${early} commands after 1 stream, ${late} after 300`);
    await close();
  });

  it('writes locally only on the writer, until the final response', async () => {
    const opts = options(roomy);
    const [one, two] = await Promise.all([replica(server.url, opts), replica(server.url, opts)]);
    const sessionId = randomUUID();
    const [writer, other] = [one.stores.forSession(sessionId), two.stores.forSession(sessionId)];
    const stream = randomUUID();
    await withRequestIds([1], () => writer.storeEvent(stream, note(1)));
    assert.equal(writer.writesLocally(stream), true);
    assert.equal(other.writesLocally(stream), false);
    await writer.storeEvent(stream, result(1));
    assert.equal(writer.writesLocally(stream), false);
    await Promise.all([one.close(), two.close()]);
  });

  it("has a stream's first event, its lane and its requests in Redis once storeEvent resolves", async () => {
    const opts = options(roomy);
    const { client, stores, close } = await replica(server.url, opts);
    const sessionId = randomUUID();
    const store = stores.forSession(sessionId);
    const stream = randomUUID();
    // No flush: the id a client is about to get must already lead to the stream on any replica.
    const id = await withRequestIds([5], () => store.storeEvent(stream, note(1)));
    const lane = id.slice(id.indexOf('.') + 1);
    assert.equal(await client.xLen(`${opts.keyPrefix}{${sessionId}}:ev:${lane}`), 1);
    assert.equal(await client.hGet(`${opts.keyPrefix}{${sessionId}}:ev:meta`, 'r:5'), lane);
    await close();
  });

  it('follows a stream from its last stored entry when the client holds an id its writer never stored', async () => {
    const opts = options(roomy);
    const [one, two] = await Promise.all([replica(server.url, opts), replica(server.url, opts)]);
    const sessionId = randomUUID();
    const [writer, other] = [one.stores.forSession(sessionId), two.stores.forSession(sessionId)];
    const stream = randomUUID();
    const sent = await withRequestIds([9], async () => {
      const ids = [await writer.storeEvent(stream, note(1)), await writer.storeEvent(stream, note(2))];
      await writer.flush();
      // The writer dies with this event sent to its client but not yet written to Redis.
      ids.push(await writer.storeEvent(stream, note(3)));
      one.client.destroy();
      return ids;
    });
    const delivered: JSONRPCMessage[] = [];
    const stop = new AbortController();
    const tail = other.tail(sent[2] ?? '', (_, message) => delivered.push(message), stop.signal);
    const answer: JSONRPCMessage = { jsonrpc: '2.0', id: 9, error: { code: -32005, message: 'stopped' } };
    await other.appendFinal(9, answer);
    assert.equal(await tail, true, 'the tail ends with the final response');
    assert.deepEqual(delivered, [answer], 'nothing the client had, then the answer');
    // An id older than what is stored is still unknown: those events were dropped, not lost.
    await assert.rejects(other.tail(`1-0.${sent[0]?.split('.').slice(1).join('.')}`, () => {}, stop.signal));
    await Promise.all([one.close().catch(() => undefined), two.close()]);
  });

  it('counts and logs a failed write, and never throws it into the caller', async () => {
    const lines: string[] = [];
    const opts = options(roomy, {}, lines);
    const { client, stores, close } = await replica(server.url, opts);
    const store = stores.forSession(randomUUID());
    const stream = randomUUID();
    await store.storeEvent(stream, note(1));
    await store.flush();
    // The lane's key holds something else now: the next XADD fails in Redis.
    const [laneKey = ''] = await client.keys(`${opts.keyPrefix}*:ev:*.${stream}`);
    await client.del(laneKey);
    await client.set(laneKey, 'not a stream');
    const before = (await eventStoreWriteErrors.get()).values[0]?.value ?? 0;
    const id = await store.storeEvent(stream, note(2));
    assert.match(id, new RegExp(`\\.${stream}$`));
    await store.flush();
    assert.equal(((await eventStoreWriteErrors.get()).values[0]?.value ?? 0) - before, 1);
    const warning = lines.map((line) => JSON.parse(line) as { msg: string; failed: number }).at(-1);
    assert.equal(warning?.msg, 'event store writes failed; those events cannot be resumed');
    assert.ok(!lines.join('\n').includes(server.url), 'the Redis URL is not logged');
    await close();
  });

  it('serves every tail of a process on one blocking connection, a new tail at once', async () => {
    // A block far longer than the test: a tail added while the read blocks must wake it.
    const opts = options(roomy, { blockMs: 60_000 });
    const [one, two] = await Promise.all([replica(server.url, opts), replica(server.url, opts)]);
    const sessionId = randomUUID();
    const [writer, reader] = [one.stores.forSession(sessionId), two.stores.forSession(sessionId)];
    const [x, y] = [randomUUID(), randomUUID()];
    const xStart = await withRequestIds([1], () => writer.storeEvent(x, note(0)));
    const yStart = await withRequestIds([2], () => writer.storeEvent(y, note(0)));
    await writer.flush();
    const seen: string[] = [];
    const signal = new AbortController().signal;
    const tailX = reader.tail(xStart, (id) => seen.push(id), signal);
    // Let the first read block before the second tail arrives.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const tailY = reader.tail(yStart, (id) => seen.push(id), signal);
    const started = Date.now();
    await writer.storeEvent(y, result(2));
    assert.equal(await tailY, true);
    assert.ok(Date.now() - started < 30_000, 'not after the block timeout');
    await writer.storeEvent(x, result(1));
    assert.equal(await tailX, true);
    assert.equal(seen.length, 2);
    assert.equal(two.blockingOpened(), 1);
    await Promise.all([one.close(), two.close()]);
  });

  it('ends its tails on close', async () => {
    const opts = options(roomy);
    const [one, two] = await Promise.all([replica(server.url, opts), replica(server.url, opts)]);
    const sessionId = randomUUID();
    const writer = one.stores.forSession(sessionId);
    const start = await withRequestIds([1], () => writer.storeEvent(randomUUID(), note(1)));
    await writer.flush();
    const tail = two.stores.forSession(sessionId).tail(start, () => undefined, new AbortController().signal);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await two.close();
    assert.equal(await tail, false);
    await one.close();
  });
});
