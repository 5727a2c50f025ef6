import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiKey } from '../../src/server/auth/api-keys.js';
import { type AuthFixtures, startProtectedBeacon, writeAuthFixtures } from '../helpers/auth-stack.js';
import type { BeaconProcess } from '../helpers/beacon-process.js';
import { eventually } from '../helpers/eventually.js';
import { requireBinary } from '../helpers/metrics.js';
import { modernRequest, post } from '../helpers/raw-mcp.js';
import { whenRedisIs } from '../helpers/readyz.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

// The replicas share a real 'redis-server' (Debian package redis-server) on a free loopback port.
requireBinary('redis-server', 'redis-server');

const LIMIT = { AUTH_FAILURE_LIMIT: '3', AUTH_FAILURE_WINDOW_MS: '60000' };

async function attempt(beacon: BeaconProcess, key: string): Promise<number> {
  const { body, headers } = modernRequest('tools/list');
  const res = await post(beacon.mcpUrl, body, { ...headers, Authorization: `Bearer ${key}` });
  await res.body?.cancel();
  return res.status;
}

const guess = () => createApiKey('guess', []).key;

/** The brute-force limiter's own warnings (the per-minute limiter says the same for itself). */
const failOpenLines = (beacon: BeaconProcess) =>
  beacon.lines.filter(
    (line) => line.includes('rate limiter store unavailable') && line.includes('"limiter":"auth-failures"'),
  );

describe('the brute-force limit across replicas', () => {
  let fixtures: AuthFixtures;
  let redis: RedisServer;
  const running: BeaconProcess[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const beacon = await startProtectedBeacon(fixtures, undefined, {
      REDIS_URL: redis.url,
      ...LIMIT,
      ...env,
    });
    running.push(beacon);
    await whenRedisIs(beacon, 'up');
    return beacon;
  };
  before(async () => {
    fixtures = await writeAuthFixtures();
  });
  after(() => fixtures.cleanup());

  it('counts failures spread over two replicas, so either answers 429 once the limit is reached', async () => {
    redis = await startRedis();
    try {
      const [a, b] = await Promise.all([start(), start()]);
      // Successes never count, on either replica.
      assert.equal(await attempt(a, fixtures.keys.alice), 200);
      assert.equal(await attempt(b, fixtures.keys.alice), 200);
      assert.deepEqual(
        [await attempt(a, guess()), await attempt(b, guess()), await attempt(a, guess())],
        [401, 401, 401],
      );
      // Each replica alone saw at most two failures; together they saw three. A replica answers
      // from its own view and refreshes it from Redis behind the request (LIMITER_SYNC_MS), so
      // the refusal comes within a request or two, not a window later.
      for (const replica of [b, a]) {
        await eventually(
          '429 from a replica that saw fewer than three failures itself',
          async () => ((await attempt(replica, fixtures.keys.alice)) === 429 ? true : undefined),
          5_000,
        );
      }
    } finally {
      await Promise.all(running.splice(0).map((beacon) => beacon.stop()));
      await redis.stop();
    }
  });

  it('fails open while Redis is down: a bad key gets 401, and the log says so once; limiting resumes after', async () => {
    redis = await startRedis();
    try {
      const beacon = await start();
      await redis.stop();
      await whenRedisIs(beacon, 'down');
      const during = [];
      for (let i = 0; i < 5; i++) during.push(await attempt(beacon, guess()));
      assert.deepEqual(during, [401, 401, 401, 401, 401], 'over the limit, yet neither 429 nor 500');
      assert.equal(await attempt(beacon, fixtures.keys.alice), 200);
      assert.equal(failOpenLines(beacon).length, 1, failOpenLines(beacon).join('\n'));
      const warning = JSON.parse(failOpenLines(beacon)[0] as string);
      assert.equal(warning.level, 40);
      assert.equal(warning.limiter, 'auth-failures');
      assert.match(warning.msg, /fails open/);

      await redis.start();
      await whenRedisIs(beacon, 'up');
      // The restarted Redis kept nothing: three fresh failures reach the limit again.
      assert.deepEqual(
        [await attempt(beacon, guess()), await attempt(beacon, guess()), await attempt(beacon, guess())],
        [401, 401, 401],
      );
      assert.equal(await attempt(beacon, fixtures.keys.alice), 429);
      await beacon.waitForLog((e) => String(e.msg).startsWith('rate limiter store answers again'));
      assert.equal(failOpenLines(beacon).length, 1, 'still one warning for that one outage');
    } finally {
      await Promise.all(running.splice(0).map((beacon) => beacon.stop()));
      await redis.stop();
    }
  });
});
