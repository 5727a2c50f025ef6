import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BeaconProcess, startBeacon } from '../helpers/beacon-process.js';
import { metricsUrlOf, parseSamples, requireBinary, scrape } from '../helpers/metrics.js';
import {
  initializeRequest,
  legacyHeaders,
  modernRequest,
  openLegacySession,
  post,
} from '../helpers/raw-mcp.js';
import { readyz, whenRedisIs } from '../helpers/readyz.js';
import { startRedis } from '../helpers/redis-server.js';

// Each test runs its own 'redis-server' (Debian package redis-server) and stops it under Beacon.
requireBinary('redis-server', 'redis-server');

/** beacon_redis_up as scraped; fails when the metric is missing altogether. */
async function redisUp(beacon: BeaconProcess): Promise<number> {
  const sample = parseSamples(await scrape(await metricsUrlOf(beacon))).find(
    (s) => s.name === 'beacon_redis_up',
  );
  assert.ok(sample, 'beacon_redis_up is exported');
  return sample.value;
}

async function modernCall(beacon: BeaconProcess): Promise<{ status: number; text: string }> {
  const { body, headers } = modernRequest('tools/call', {
    name: 'process_items',
    arguments: { items: ['lamp'], delayMs: 0 },
  });
  const res = await post(beacon.mcpUrl, body, headers);
  return { status: res.status, text: await res.text() };
}

function logEntries(beacon: BeaconProcess): Record<string, unknown>[] {
  return beacon.lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

describe('Redis as an operating condition', () => {
  it('starts while Redis is unreachable: /readyz answers 503 naming Redis, then 200 once Redis appears', async () => {
    const redis = await startRedis();
    await redis.stop();
    const beacon = await startBeacon({ env: { REDIS_URL: redis.url, REPLICA_ID: 'replica-early' } });
    try {
      assert.deepEqual(await readyz(beacon), {
        status: 503,
        body: { status: 'starting', redis: 'connecting' },
      });
      assert.equal((await fetch(`${beacon.origin}/healthz`)).status, 200, 'alive all the same');
      assert.equal(await redisUp(beacon), 0);

      await redis.start();
      assert.deepEqual(await whenRedisIs(beacon, 'up'), {
        status: 200,
        body: { status: 'ready', redis: 'up' },
      });
      assert.equal(await redisUp(beacon), 1);
      const said = logEntries(beacon);
      assert.equal(said.filter((e) => String(e.msg).startsWith('Redis unreachable')).length, 1);
      assert.ok(said.some((e) => e.msg === 'Redis connected'));
    } finally {
      await beacon.stop();
      await redis.stop();
    }
  });

  it('keeps serving the 2026-07-28 era through an outage, and resumes Redis without a restart', async () => {
    const redis = await startRedis();
    const beacon = await startBeacon({
      env: { REDIS_URL: redis.url, REPLICA_ID: 'replica-outage', REDIS_TIMEOUT_MS: '500' },
    });
    try {
      await whenRedisIs(beacon, 'up');
      const session = await openLegacySession(beacon.mcpUrl);
      await redis.stop();
      assert.deepEqual(await whenRedisIs(beacon, 'down'), {
        status: 200,
        body: { status: 'ready', redis: 'down' },
      });
      assert.equal(await redisUp(beacon), 0);
      const call = await modernCall(beacon);
      assert.equal(call.status, 200);
      assert.match(call.text, /Processed 1 item: 1 ok/);

      // Sessionful requests: a prompt 503 the client can retry, never a hang or a 500.
      for (const attempt of [
        () => post(beacon.mcpUrl, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, legacyHeaders(session)),
        () => post(beacon.mcpUrl, initializeRequest()),
      ]) {
        const started = performance.now();
        const refused = await attempt();
        assert.ok(performance.now() - started < 500 + 1000, 'answered within REDIS_TIMEOUT_MS');
        assert.equal(refused.status, 503);
        assert.ok(Number(refused.headers.get('retry-after')) >= 1);
        const body = (await refused.json()) as { jsonrpc: string; error: { code: number; message: string } };
        assert.equal(body.jsonrpc, '2.0');
        assert.match(body.error.message, /shared|Redis|unavailable/i);
      }

      await redis.start();
      assert.deepEqual(await whenRedisIs(beacon, 'up'), {
        status: 200,
        body: { status: 'ready', redis: 'up' },
      });
      assert.equal(await redisUp(beacon), 1);
      // This redis-server keeps nothing across a restart: new sessions work at once.
      assert.ok(await openLegacySession(beacon.mcpUrl));
      assert.equal(beacon.child.exitCode, null, 'the same process throughout');
      const said = logEntries(beacon);
      assert.equal(said.filter((e) => String(e.msg).startsWith('Redis connection lost')).length, 1);
      assert.equal(said.filter((e) => e.msg === 'Redis connection restored').length, 1);
      assert.ok(
        said.every((e) => e.replica === 'replica-outage'),
        'REPLICA_ID is on every line',
      );
    } finally {
      await beacon.stop();
      await redis.stop();
    }
  });

  it('never logs the password REDIS_URL carries, right or wrong, through an outage', async () => {
    const password = 'redis-pw-5c2e9a71f0d4';
    const wrongPassword = 'not-the-pw-83b1e6c4a7';
    const redis = await startRedis(['--requirepass', password]);
    const beacon = await startBeacon({
      env: { REDIS_URL: `redis://:${password}@127.0.0.1:${redis.port}/0` },
    });
    const refused = await startBeacon({
      env: { REDIS_URL: `redis://:${wrongPassword}@127.0.0.1:${redis.port}` },
    });
    try {
      await whenRedisIs(beacon, 'up');
      await redis.stop();
      await whenRedisIs(beacon, 'down');
      await redis.start();
      await whenRedisIs(beacon, 'up');
      assert.deepEqual(await readyz(refused), {
        status: 503,
        body: { status: 'starting', redis: 'connecting' },
      });
      const connecting = logEntries(beacon).find((e) => e.msg === 'connecting to Redis');
      assert.equal(connecting?.redis, `redis://:***@127.0.0.1:${redis.port}/0`);
      await refused.waitForLog((e) => String(e.msg).startsWith('Redis unreachable'));
      assert.equal(await refused.stop(), 0, 'stops cleanly though Redis never let it in');
    } finally {
      await beacon.stop();
      await refused.stop();
      await redis.stop();
    }
    const output = [beacon, refused].map((p) => `${p.lines.join('\n')}\n${p.stderr()}`).join('\n');
    assert.ok(output.includes('Redis'), 'the output was captured');
    assert.ok(!output.includes(password), 'the password is in no log line');
    assert.ok(!output.includes(wrongPassword), 'nor a wrong one');
  });
});
