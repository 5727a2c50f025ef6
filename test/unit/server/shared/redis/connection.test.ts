import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ErrorReply } from 'redis';
import { createLogger } from '../../../../../src/server/observability/logger.js';
import { registry } from '../../../../../src/server/observability/metrics.js';
import {
  createSharedConnection,
  type SharedConnection,
} from '../../../../../src/server/shared/redis/connection.js';
import { SharedStateUnavailable } from '../../../../../src/server/shared/unavailable.js';
import { eventually } from '../../../../helpers/eventually.js';
import { requireBinary } from '../../../../helpers/metrics.js';
import { type RedisServer, startRedis } from '../../../../helpers/redis-server.js';

// Runs a real 'redis-server' (Debian package redis-server) on a free loopback port.
requireBinary('redis-server', 'redis-server');

function connect(url: string, timeoutMs = 2000, password?: string) {
  const lines: string[] = [];
  const logger = createLogger(
    { logLevel: 'debug', logFormat: 'json', replicaId: 'replica-t' },
    { write: (line: string) => void lines.push(line) },
  );
  const connection = createSharedConnection(
    { redis: { url, password, keyPrefix: 'beacon:', timeoutMs }, replicaId: 'replica-t' },
    logger,
  ) as SharedConnection;
  const messages = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { connection, lines, messages };
}

async function redisUpValue(): Promise<number> {
  const metric = (await registry.getSingleMetric('beacon_redis_up')?.get())?.values[0]?.value;
  return metric ?? Number.NaN;
}

async function timed<T>(work: Promise<T>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  try {
    await work;
    return { ms: Date.now() - started, error: undefined };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

const upAgain = (connection: SharedConnection) =>
  eventually('connection up', () => (connection.up ? true : undefined));

describe('createSharedConnection', () => {
  const servers: RedisServer[] = [];
  const connections: SharedConnection[] = [];
  after(async () => {
    await Promise.all(connections.map((c) => c.close()));
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('is undefined without REDIS_URL: one process keeps its state in memory', () => {
    assert.equal(
      createSharedConnection(
        { redis: undefined, replicaId: 'x' },
        createLogger({ logLevel: 'silent', logFormat: 'json', replicaId: 'x' }),
      ),
      undefined,
    );
  });

  it('refuses at once before the first connection, connects when Redis appears, and follows outages', async () => {
    const redis = await startRedis();
    servers.push(redis);
    await redis.stop();
    const { connection, messages } = connect(redis.url);
    connections.push(connection);
    const changes: boolean[] = [];
    connection.onChange((up) => changes.push(up));

    assert.equal(connection.status(), 'connecting');
    assert.equal(await redisUpValue(), 0);
    const refused = await timed(connection.command(['PING']));
    assert.ok(refused.error instanceof SharedStateUnavailable, String(refused.error));
    assert.ok(refused.ms < 1000, `refused in ${refused.ms} ms`);

    await redis.start();
    await upAgain(connection);
    assert.equal(connection.status(), 'up');
    assert.equal(await redisUpValue(), 1);
    assert.equal(await connection.command(['PING']), 'PONG');
    assert.equal(await connection.run('set', (client) => client.set('beacon:probe', 'v')), 'OK');
    assert.equal(await connection.run('get', (client) => client.get('beacon:probe')), 'v');

    await redis.stop();
    await eventually('connection down', () => (connection.status() === 'down' ? true : undefined));
    assert.equal(await redisUpValue(), 0);
    const down = await timed(connection.run('get', (client) => client.get('beacon:probe')));
    assert.ok(down.error instanceof SharedStateUnavailable, String(down.error));
    assert.ok(down.ms < 1000, `refused in ${down.ms} ms`);

    await redis.start();
    await upAgain(connection);
    assert.equal(await connection.command(['PING']), 'PONG');
    assert.deepEqual(changes, [true, false, true]);

    const said = messages().map((m) => m.msg);
    assert.equal(
      said.filter((m) => String(m).startsWith('Redis unreachable')).length,
      1,
      'warned once before the first connection',
    );
    assert.equal(said.filter((m) => String(m).startsWith('Redis connection lost')).length, 1);
    assert.equal(said.filter((m) => m === 'Redis connection restored').length, 1);
    assert.ok(messages().every((m) => m.replica === 'replica-t'));
  });

  it('gives up on a command Redis does not answer within REDIS_TIMEOUT_MS', async () => {
    const redis = await startRedis();
    servers.push(redis);
    const { connection } = connect(redis.url, 300);
    connections.push(connection);
    await upAgain(connection);
    // Redis holds every client's commands for 3 s: accepted, then not answered.
    await connection.command(['CLIENT', 'PAUSE', '3000', 'ALL']);
    const slow = await timed(connection.command(['GET', 'beacon:anything']));
    assert.ok(slow.error instanceof SharedStateUnavailable, String(slow.error));
    assert.match((slow.error as Error).message, /within 300 ms/);
    assert.ok(slow.ms >= 250 && slow.ms < 2500, `gave up after ${slow.ms} ms`);
    const histogram = await registry.getSingleMetricAsString('beacon_redis_command_duration_seconds');
    assert.match(histogram, /beacon_redis_command_duration_seconds_count\{command="get"\} [1-9]/);
    assert.match(histogram, /command="other"/, 'CLIENT is not in the label set');
  });

  it("passes Redis's error replies and a caller's TypeError through, so neither passes for an outage", async () => {
    const redis = await startRedis();
    servers.push(redis);
    const { connection } = connect(redis.url);
    connections.push(connection);
    await upAgain(connection);
    await assert.rejects(
      connection.command(['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0']),
      (error) => {
        assert.ok(error instanceof ErrorReply);
        assert.match(error.message, /^NOSCRIPT/);
        return true;
      },
    );
    await assert.rejects(
      connection.run('get', async () => {
        throw new TypeError('a caller bug');
      }),
      TypeError,
    );
  });

  it('gives subscribers a connection of their own, which subscribes even before Redis is up', async () => {
    const redis = await startRedis();
    servers.push(redis);
    await redis.stop();
    const { connection } = connect(redis.url);
    connections.push(connection);
    const subscriber = connection.duplicate('subscriber');
    const received: string[] = [];
    const subscribed = subscriber.subscribe('beacon:control', (message) => void received.push(message));
    const blocking = connection.duplicate('blocking');
    await assert.rejects(blocking.sendCommand(['XREAD', 'BLOCK', '10', 'STREAMS', 'beacon:s', '0']));
    await redis.start();
    await subscribed;
    await upAgain(connection);
    await eventually('message through pub/sub', async () => {
      await connection.command(['PUBLISH', 'beacon:control', 'hello']);
      return received.includes('hello') ? true : undefined;
    });
  });

  it('authenticates with the password in REDIS_URL and never logs it', async () => {
    const password = 'pw-0b5e7a9c1d3f';
    const redis = await startRedis(['--requirepass', password]);
    servers.push(redis);
    const url = `redis://:${password}@127.0.0.1:${redis.port}`;
    const { connection, lines, messages } = connect(url);
    connections.push(connection);
    await upAgain(connection);
    assert.equal(await connection.command(['PING']), 'PONG');
    const wrong = connect(`redis://:not-${password}@127.0.0.1:${redis.port}`);
    connections.push(wrong.connection);
    await eventually('wrong password reported', () =>
      wrong.messages().some((m) => String(m.msg).startsWith('Redis unreachable')) ? true : undefined,
    );
    assert.equal(wrong.connection.status(), 'connecting');
    await connection.close();
    await wrong.connection.close();
    const text = [...lines, ...wrong.lines].join('\n');
    assert.doesNotMatch(text, new RegExp(password));
    assert.equal(
      messages().find((m) => m.msg === 'connecting to Redis')?.redis,
      `redis://:***@127.0.0.1:${redis.port}`,
    );
  });

  it('authenticates with a password from REDIS_PASSWORD_FILE, side connections too, and never logs it', async () => {
    const password = 'pw-file-7c1e4b2a9f06';
    const redis = await startRedis(['--requirepass', password]);
    servers.push(redis);
    const { connection, lines } = connect(`redis://127.0.0.1:${redis.port}`, 2000, password);
    connections.push(connection);
    await upAgain(connection);
    assert.equal(await connection.command(['PING']), 'PONG');
    const side = connection.duplicate('blocking');
    await eventually('side connection ready', () => (side.isReady ? true : undefined));
    assert.equal(await side.ping(), 'PONG');
    await connection.close();
    assert.doesNotMatch(lines.join('\n'), new RegExp(password));
  });

  it('closes for good: side connections close, commands are refused, the gauge drops', async () => {
    const redis = await startRedis();
    servers.push(redis);
    const { connection } = connect(redis.url);
    await upAgain(connection);
    const side = connection.duplicate('blocking');
    await eventually('side connection ready', () => (side.isReady ? true : undefined));
    await connection.close();
    assert.equal(side.isOpen, false);
    assert.equal(await redisUpValue(), 0);
    await assert.rejects(connection.command(['PING']), SharedStateUnavailable);
  });
});
