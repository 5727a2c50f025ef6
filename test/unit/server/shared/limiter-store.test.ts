import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryStore, type Options, type Store } from 'express-rate-limit';
import type { RedisClientType } from 'redis';
import { createLogger } from '../../../../src/server/observability/logger.js';
import { createLimiterStores } from '../../../../src/server/shared/limiter-store.js';
import { LocalFirstStore } from '../../../../src/server/shared/local-first-store.js';
import { principalHash } from '../../../../src/server/shared/principal-hash.js';
import {
  createSharedConnection,
  type SharedConnection,
} from '../../../../src/server/shared/redis/connection.js';
import { SharedStateUnavailable } from '../../../../src/server/shared/unavailable.js';
import { eventually } from '../../../helpers/eventually.js';
import { requireBinary } from '../../../helpers/metrics.js';
import { connectProbe, type RedisServer, startRedis } from '../../../helpers/redis-server.js';

// The Redis stores run against a real 'redis-server' (Debian package redis-server) on a free port.
requireBinary('redis-server', 'redis-server');

const WINDOW = { windowMs: 60_000 } as Options;

function capture() {
  const lines: string[] = [];
  const logger = createLogger(
    { logLevel: 'debug', logFormat: 'json', replicaId: 'r1' },
    { write: (line: string) => void lines.push(line) },
  );
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, entries };
}

/** Sends what a store has gathered and lets Redis's replies land. */
async function settle(store: Store) {
  if (store instanceof LocalFirstStore) store.flush();
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('createLimiterStores', () => {
  it('without a shared connection gives a fresh memory store per limiter', async () => {
    const stores = await createLimiterStores(undefined, capture().logger);
    assert.equal(stores.kind, 'memory');
    const a = stores.create('auth-failures');
    const b = stores.create('requests');
    assert.ok(a instanceof MemoryStore && b instanceof MemoryStore);
    assert.notEqual(a, b);
  });

  describe('with REDIS_URL', () => {
    let redis: RedisServer;
    let probe: RedisClientType;
    const connections: SharedConnection[] = [];
    const connect = (logger = capture().logger) => {
      const connection = createSharedConnection(
        { redis: { url: redis.url, keyPrefix: 'beacon:', timeoutMs: 2000 }, replicaId: 'r1' },
        logger,
      ) as SharedConnection;
      connections.push(connection);
      return connection;
    };
    before(async () => {
      redis = await startRedis();
      probe = await connectProbe(redis);
    });
    after(async () => {
      for (const connection of connections) await connection.close();
      probe.destroy();
      await redis.stop();
    });

    it("keeps each limiter's counters under its own prefix, keyed by a hash, for one window", async () => {
      const connection = connect();
      await eventually('connected to Redis', () => (connection.up ? true : undefined));
      const stores = await createLimiterStores(connection, capture().logger);
      assert.equal(stores.kind, 'redis');
      const auth = stores.create('auth-failures');
      const requests = stores.create('requests');
      assert.equal(auth.prefix, 'beacon:limit:auth-failures:');
      assert.equal(requests.prefix, 'beacon:limit:requests:');
      await auth.init?.(WINDOW);
      await requests.init?.(WINDOW);
      assert.equal((await auth.increment('10.0.0.1')).totalHits, 1);
      assert.equal((await auth.increment('10.0.0.1')).totalHits, 2);
      for (let i = 1; i <= 3; i++) assert.equal((await requests.increment('10.0.0.1')).totalHits, i);
      await settle(auth);
      await settle(requests);
      // Keyed by a hash: Redis never names the address or principal counted.
      const hashed = principalHash('10.0.0.1');
      assert.deepEqual((await probe.keys('beacon:limit:*')).sort(), [
        `beacon:limit:auth-failures:${hashed}`,
        `beacon:limit:requests:${hashed}`,
      ]);
      assert.equal(await probe.get(`beacon:limit:auth-failures:${hashed}`), '2');
      assert.equal(await probe.get(`beacon:limit:requests:${hashed}`), '3');
      const ttl = await probe.pTTL(`beacon:limit:requests:${hashed}`);
      assert.ok(ttl > 55_000 && ttl <= 60_000, `window of 60 s, ${ttl} ms left`);

      // A second replica sees both counts and adds to them.
      const other = (await createLimiterStores(connection, capture().logger)).create('requests');
      await other.init?.(WINDOW);
      await other.get?.('10.0.0.1');
      await settle(other);
      assert.equal((await other.get?.('10.0.0.1'))?.totalHits, 3);
      assert.equal((await other.increment('10.0.0.1')).totalHits, 4);
      await requests.resetKey('10.0.0.1');
      assert.equal(await probe.exists(`beacon:limit:requests:${hashed}`), 0);
    });

    it('fails open while Redis is away, saying so once per outage, and once more when it answers again', async () => {
      const { logger, entries } = capture();
      await redis.stop();
      // Started while Redis was away.
      const connection = connect(logger);
      const store = (await createLimiterStores(connection, logger)).create('auth-failures');
      await store.init?.(WINDOW);
      const away = async (known: number) => {
        const seen = [];
        for (let i = 0; i < 3; i++) {
          seen.push((await store.increment('10.0.0.2')).totalHits);
          await settle(store);
        }
        // Each attempt counts only until its increment fails: nothing accumulates beyond what
        // Redis last said.
        assert.deepEqual(seen, [known + 1, known + 1, known + 1]);
      };
      await away(0);
      await redis.start();
      await eventually('reconnected to Redis', () => (connection.up ? true : undefined));
      await store.increment('10.0.0.2');
      await settle(store);
      assert.equal((await store.get?.('10.0.0.2'))?.totalHits, 1);
      await redis.stop();
      await eventually('Redis seen down', () => (connection.up ? undefined : true));
      await away(1);
      await redis.start();
      await eventually('reconnected to Redis', () => (connection.up ? true : undefined));
      // The restarted Redis kept nothing; this replica's view still counts the last known one.
      assert.equal((await store.increment('10.0.0.2')).totalHits, 2);
      await settle(store);
      assert.equal((await store.get?.('10.0.0.2'))?.totalHits, 1);

      const said = entries().filter((e) => e.limiter === 'auth-failures');
      assert.deepEqual(
        said.map((e) => [e.level, String(e.msg).split(':')[0]]),
        [
          [40, 'rate limiter store unavailable'],
          [30, 'rate limiter store answers again'],
          [40, 'rate limiter store unavailable'],
          [30, 'rate limiter store answers again'],
        ],
      );
      assert.match(String(said[0]?.msg), /fails open/);
    });
  });

  it("reports express-rate-limit's own errors: misconfiguration loudly, store failures quietly", async () => {
    const { logger, entries } = capture();
    const stores = await createLimiterStores(undefined, logger);
    stores.logger.error(
      Object.assign(new Error('A Store instance must not be shared'), { code: 'ERR_ERL_STORE_REUSE' }),
    );
    stores.logger.error(new SharedStateUnavailable('Redis is unreachable'), 'error from store');
    stores.logger.warn(new Error('changing'), 'heads-up');
    assert.deepEqual(
      entries().map((e) => e.level),
      [50, 20, 40],
    );
  });
});
