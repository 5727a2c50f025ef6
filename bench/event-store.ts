/**
 * Notifications per second through each event store, driven as the SDK drives it: one awaited
 * `storeEvent` per notification. For Redis, two figures: how fast `storeEvent` returns (what a
 * tool waits for), and how fast Redis acknowledged the writes (`flush`). For contrast, a store that
 * awaited one `XADD` round trip per notification. Two shapes: a burst (a tool that never yields,
 * so each turn of the event loop stores many events), and streams that yield to the event loop
 * after every notification (each turn stores one event per stream), one or 16 at once.
 *
 *   node --import tsx bench/event-store.ts [events per round] [rounds]
 *
 * Starts its own redis-server on a free loopback port (Debian `redis-server`).
 */
import { randomUUID } from 'node:crypto';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { pino } from 'pino';
import { createClient } from 'redis';
import { MemoryEventStores } from '../src/server/shared/event-store/memory.js';
import { RedisEventStores, type RedisSessionEventStore } from '../src/server/shared/event-store/redis.js';
import { withRequestIds } from '../src/server/shared/event-store/request-context.js';
import type { SessionEventStore } from '../src/server/shared/shared-state.js';
import { startRedis } from '../test/helpers/redis-server.js';
import { summarise } from './lib/stats.js';

const events = Number(process.argv[2] ?? 50_000);
const rounds = Number(process.argv[3] ?? 5);
// The production defaults: EVENT_STORE_MAX_EVENTS, EVENT_STORE_MAX_BYTES, EVENT_STORE_TTL_MS.
const limits = { maxEvents: 2000, maxBytes: 1024 * 1024, ttlMs: 5 * 60 * 1000 };

/** What process_items sends per item: one progress notification (about 150 bytes of JSON). */
const progress = (n: number): JSONRPCMessage => ({
  jsonrpc: '2.0',
  method: 'notifications/progress',
  params: { progressToken: 'bench', progress: n, total: events, message: `item ${n} of ${events} done` },
});

type Shape = 'burst' | 'yielding';

/** Stores `count` notifications on one stream, each awaited as the SDK's `send` does. */
async function emit(store: SessionEventStore, count: number, shape: Shape) {
  const stream = randomUUID();
  await withRequestIds([1], async () => {
    for (let i = 0; i < count; i++) {
      await store.storeEvent(stream, progress(i));
      if (shape === 'yielding') await new Promise(setImmediate);
    }
  });
}

/** Notifications per second: when the last `storeEvent` returned, and when `settle` resolved. */
async function drive(stores: SessionEventStore[], shape: Shape, settle: () => Promise<unknown>) {
  const started = performance.now();
  await Promise.all(stores.map((store) => emit(store, Math.floor(events / stores.length), shape)));
  const returned = performance.now();
  await settle();
  const settled = performance.now();
  return { returned: events / ((returned - started) / 1000), settled: events / ((settled - started) / 1000) };
}

const figures: Record<string, number[]> = {};
const record = (name: string, value: number) => {
  figures[name] ??= [];
  figures[name].push(value);
};

const server = await startRedis();
const client = createClient({ url: server.url });
await client.connect();
const redis = new RedisEventStores(
  client,
  async () => {
    const blocking = client.duplicate();
    await blocking.connect();
    return blocking;
  },
  { keyPrefix: 'bench:', limits, logger: pino({ level: 'silent' }) },
);
const memory = new MemoryEventStores(limits);
/** The obvious store: one awaited XADD round trip per notification. */
const naiveStore = (key: string) =>
  ({
    storeEvent: (_stream: string, message: JSONRPCMessage) =>
      client.xAdd(
        key,
        '*',
        { m: JSON.stringify(message) },
        { TRIM: { strategy: 'MAXLEN', threshold: 2000 } },
      ),
  }) as unknown as SessionEventStore;
try {
  for (let round = 0; round < rounds; round++) {
    for (const [shape, streams] of [
      ['burst', 1],
      ['yielding', 1],
      ['yielding', 16],
    ] as const) {
      const what = `${shape}, ${streams} stream${streams > 1 ? 's' : ''}`;
      const inMemory = await drive(
        Array.from({ length: streams }, () => memory.forSession(randomUUID())),
        shape,
        async () => undefined,
      );
      record(`memory, ${what}: storeEvent returned`, inMemory.returned);
      const sessions: RedisSessionEventStore[] = Array.from({ length: streams }, () =>
        redis.forSession(randomUUID()),
      );
      const inRedis = await drive(sessions, shape, () => Promise.all(sessions.map((s) => s.flush())));
      record(`redis, ${what}: storeEvent returned`, inRedis.returned);
      record(`redis, ${what}: acknowledged`, inRedis.settled);
      const naive = await drive(
        Array.from({ length: streams }, (_, i) => naiveStore(`bench:naive:${round}:${i}`)),
        shape,
        async () => undefined,
      );
      record(`awaited XADD each, ${what}`, naive.returned);
      await Promise.all(sessions.map((s) => s.clear()));
    }
  }
  console.log(`${events} notifications per round, ${rounds} rounds, Node ${process.version}`);
  for (const [name, values] of Object.entries(figures)) {
    const { median, spreadPct } = summarise(values);
    console.log(
      `${name.padEnd(36)} ${Math.round(median).toLocaleString('en').padStart(10)} notif/s ±${(spreadPct / 2).toFixed(0)}%`,
    );
  }
} finally {
  await redis.close();
  client.destroy();
  await server.stop();
}
