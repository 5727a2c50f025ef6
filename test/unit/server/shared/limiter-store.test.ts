import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore, type Options } from 'express-rate-limit';
import { createLogger } from '../../../../src/server/observability/logger.js';
import { createLimiterStores } from '../../../../src/server/shared/limiter-store.js';
import { principalHash } from '../../../../src/server/shared/principal-hash.js';
import type { SharedConnection } from '../../../../src/server/shared/redis/connection.js';
import { SharedStateUnavailable } from '../../../../src/server/shared/unavailable.js';

const WINDOW = { windowMs: 60_000 } as Options;

/** Lets every reply in flight arrive: the Redis stores update their counts behind the request. */
const replies = () => new Promise((resolve) => setImmediate(resolve));

function capture() {
  const lines: string[] = [];
  const logger = createLogger(
    { logLevel: 'debug', logFormat: 'json', replicaId: 'r1' },
    { write: (line: string) => void lines.push(line) },
  );
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, entries };
}

/**
 * A connection that answers the way Redis answers rate-limit-redis (script loads, then counters),
 * or refuses while `up` is false, as the real one does.
 */
function fakeConnection() {
  const listeners = new Set<(up: boolean) => void>();
  const sent: string[][] = [];
  const counters = new Map<string, number>();
  let scriptLoads = 0;
  const fake = {
    keyPrefix: 'beacon:',
    timeoutMs: 2000,
    up: false,
    status: () => (fake.up ? 'up' : 'down'),
    onChange(listener: (up: boolean) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setUp(up: boolean) {
      fake.up = up;
      for (const listener of listeners) listener(up);
    },
    async command(args: readonly string[]) {
      if (!fake.up) throw new SharedStateUnavailable('Redis is unreachable');
      sent.push([...args]);
      const [name, , , key] = args;
      if (name === 'SCRIPT') return `sha-${++scriptLoads}`;
      if (name === 'EVALSHA') {
        const hits = (counters.get(String(key)) ?? 0) + 1;
        counters.set(String(key), hits);
        return [hits, 60_000];
      }
      if (name === 'DECR') {
        const decremented = String(args[1]);
        counters.set(decremented, (counters.get(decremented) ?? 0) - 1);
        return 0;
      }
      return 'OK';
    },
  };
  return { connection: fake as unknown as SharedConnection & typeof fake, sent, counters };
}

describe('createLimiterStores', () => {
  it('without a shared connection gives a fresh memory store per limiter', () => {
    const stores = createLimiterStores(undefined, capture().logger);
    assert.equal(stores.kind, 'memory');
    const a = stores.create('auth-failures');
    const b = stores.create('requests');
    assert.ok(a instanceof MemoryStore && b instanceof MemoryStore);
    assert.notEqual(a, b);
  });

  it("keeps each limiter's counters under its own prefix below REDIS_KEY_PREFIX", async () => {
    const { connection, counters } = fakeConnection();
    connection.setUp(true);
    const stores = createLimiterStores(connection, capture().logger);
    assert.equal(stores.kind, 'redis');
    const auth = stores.create('auth-failures');
    const requests = stores.create('requests');
    assert.equal(auth.prefix, 'beacon:limit:auth-failures:');
    assert.equal(requests.prefix, 'beacon:limit:requests:');
    await auth.init?.(WINDOW);
    await requests.init?.(WINDOW);
    assert.equal((await auth.increment('10.0.0.1')).totalHits, 1);
    assert.equal((await auth.increment('10.0.0.1')).totalHits, 2);
    assert.equal((await requests.increment('10.0.0.1')).totalHits, 1);
    await auth.decrement('10.0.0.1');
    await replies();
    // Keyed by a hash: Redis never names the address or principal counted.
    const hashed = principalHash('10.0.0.1');
    assert.deepEqual(Object.fromEntries(counters), {
      [`beacon:limit:auth-failures:${hashed}`]: 1,
      [`beacon:limit:requests:${hashed}`]: 1,
    });
  });

  it('fails open while Redis is away, saying so once per outage, and once more when it answers again', async () => {
    const { connection, sent } = fakeConnection();
    const { logger, entries } = capture();
    const store = createLimiterStores(connection, logger).create('auth-failures');
    // Started while Redis was away: the scripts cannot be loaded yet.
    await store.init?.(WINDOW);
    const away = async (known: number) => {
      const seen = [];
      for (let i = 0; i < 3; i++) {
        seen.push((await store.increment('10.0.0.2')).totalHits);
        await replies();
      }
      // Each attempt counts only until its increment fails: nothing accumulates beyond what
      // Redis last said.
      assert.deepEqual(seen, [known + 1, known + 1, known + 1]);
    };
    await away(0);
    connection.setUp(true);
    // The scripts are loaded again on reconnect, so counting resumes.
    await store.increment('10.0.0.2');
    await replies();
    assert.equal((await store.get?.('10.0.0.2'))?.totalHits, 1);
    assert.ok(sent.some(([name]) => name === 'SCRIPT'));
    connection.setUp(false);
    await away(1);
    connection.setUp(true);
    assert.equal((await store.increment('10.0.0.2')).totalHits, 2);
    await replies();

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

  it("reports express-rate-limit's own errors: misconfiguration loudly, store failures quietly", () => {
    const { logger, entries } = capture();
    const stores = createLimiterStores(undefined, logger);
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
