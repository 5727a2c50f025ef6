import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RedisClientType } from 'redis';
import { createLogger } from '../../../../../src/server/observability/logger.js';
import {
  createSharedConnection,
  type SharedConnection,
} from '../../../../../src/server/shared/redis/connection.js';
import { RedisCallLeases } from '../../../../../src/server/shared/redis/leases.js';
import { eventually } from '../../../../helpers/eventually.js';
import { requireBinary } from '../../../../helpers/metrics.js';
import { connectProbe, type RedisServer, startRedis } from '../../../../helpers/redis-server.js';

// Runs a real 'redis-server' (Debian package redis-server) on a free loopback port.
requireBinary('redis-server', 'redis-server');

const LEASE_MS = 400;
const KEY = 'beacon:leases';

describe('call leases in Redis', () => {
  let redis: RedisServer;
  let probe: RedisClientType;
  const opened: Array<{ connection: SharedConnection; leases: RedisCallLeases }> = [];

  /** One replica's leases. */
  async function replica(timeoutMs = 2000) {
    const logger = createLogger({ logLevel: 'silent', logFormat: 'json', replicaId: 'replica-t' });
    const connection = createSharedConnection(
      { redis: { url: redis.url, keyPrefix: 'beacon:', timeoutMs }, replicaId: 'replica-t' },
      logger,
    ) as SharedConnection;
    await eventually('connected to Redis', () => (connection.up ? true : undefined));
    const leases = new RedisCallLeases(connection, LEASE_MS, logger);
    opened.push({ connection, leases });
    return leases;
  }

  const score = (session: string, id: number) => probe.zScore(KEY, JSON.stringify([session, id]));

  before(async () => {
    redis = await startRedis();
    probe = await connectProbe(redis);
  });
  after(async () => {
    for (const { connection, leases } of opened) {
      leases.stop();
      await connection.close();
    }
    // Not quit(): after the restart above it may still be reconnecting, and quit() would wait.
    probe.destroy();
    await redis.stop();
  });

  it('is in Redis once `held` settles, due one lease period after Redis time', async () => {
    const leases = await replica();
    const lease = leases.hold('s-held', 1);
    await lease.held;
    const [seconds, micros] = await probe.time();
    const now = Number(seconds) * 1000 + Number(micros) / 1000;
    const due = await score('s-held', 1);
    assert.ok(due !== null, 'lease stored');
    assert.ok(due > now && due <= now + LEASE_MS + 5, `due ${due - now} ms from now`);
    lease.release();
    await eventually('lease removed', async () => ((await score('s-held', 1)) === null ? true : undefined));
  });

  it('ends only when its last holder releases it', async () => {
    const leases = await replica();
    const stream = leases.hold('s-two', 7);
    const call = leases.hold('s-two', 7);
    await Promise.all([stream.held, call.held]);
    stream.release();
    stream.release(); // a second release of one holder counts once
    // Still renewed by the call: after two lease periods it has not expired.
    await new Promise((wake) => setTimeout(wake, LEASE_MS * 2));
    const [seconds] = await probe.time();
    assert.ok(((await score('s-two', 7)) ?? 0) > Number(seconds) * 1000, 'still renewed');
    call.release();
    await eventually('lease removed', async () => ((await score('s-two', 7)) === null ? true : undefined));
  });

  it('answers a lease nobody renews exactly once, on one of the replicas', async () => {
    const answered: string[] = [];
    for (const name of ['a', 'b']) {
      const leases = await replica();
      leases.onExpired(async (session, requestId) => {
        answered.push(`${name}:${session}:${requestId}`);
      });
    }
    // A holder that died: its lease is past due and nobody renews it.
    await probe.zAdd(KEY, { score: 1, value: JSON.stringify(['s-dead', 3]) });
    await eventually('expired lease answered', () => (answered.length > 0 ? true : undefined), LEASE_MS * 8);
    await new Promise((wake) => setTimeout(wake, LEASE_MS));
    assert.equal(answered.length, 1, `answered once: ${answered.join(', ')}`);
    assert.match(answered[0] ?? '', /^[ab]:s-dead:3$/);
    assert.equal(await score('s-dead', 3), null);
  });

  it('settles `held` without throwing when Redis is away', async () => {
    const leases = await replica(300);
    await redis.stop();
    try {
      const started = Date.now();
      const lease = leases.hold('s-down', 1);
      await lease.held;
      assert.ok(Date.now() - started < 2000, 'within about REDIS_TIMEOUT_MS');
      lease.release();
    } finally {
      await redis.start();
    }
  });
});
