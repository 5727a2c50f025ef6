import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import type { LogLevel } from '../../../log-levels.js';
import type { SessionDirectory, SessionRecord } from '../shared-state.js';
import type { SharedConnection } from './connection.js';
import { keyOf } from './keys.js';

/**
 * Takes a place under MAX_SESSIONS in one step: drops the places whose sessions expired, counts
 * the rest, and adds this one if there is room. Scores are expiry times from Redis's own clock, so
 * replicas whose clocks disagree still agree on what has expired.
 */
const OPEN_PLACE = `
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], ms + tonumber(ARGV[2]), ARGV[3])
return 1`;

export interface RedisSessionsOptions {
  maxSessions: number;
  idleTimeoutMs: number;
}

/**
 * 2025-era sessions in Redis: one hash per session (`{id}:session`, its idle expiry a sliding TTL)
 * and one sorted set of live ids scored by expiry, which makes MAX_SESSIONS global. The record
 * holds what another replica needs to rebuild the session, and a hash of its principal.
 */
export class RedisSessionDirectory implements SessionDirectory {
  readonly #places: string;

  constructor(
    private readonly connection: SharedConnection,
    private readonly options: RedisSessionsOptions,
  ) {
    this.#places = `${connection.keyPrefix}sessions`;
  }

  #key(id: string): string {
    return keyOf(this.connection.keyPrefix, id, 'session');
  }

  async open(id: string, record: SessionRecord): Promise<boolean> {
    const { maxSessions, idleTimeoutMs } = this.options;
    const placed = await this.connection.run('eval', (client) =>
      client.eval(OPEN_PLACE, {
        keys: [this.#places],
        arguments: [String(maxSessions), String(idleTimeoutMs), id],
      }),
    );
    if (placed !== 1) return false;
    const fields: Record<string, string> = { transport: record.transport, principal: record.principal };
    if (record.initialize) fields.initialize = JSON.stringify(record.initialize);
    if (record.logLevel) fields.logLevel = record.logLevel;
    await this.connection.run('hset', (client) =>
      client.multi().hSet(this.#key(id), fields).pExpire(this.#key(id), idleTimeoutMs).exec(),
    );
    return true;
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const key = this.#key(id);
    const [fields] = await this.connection.run('hgetall', (client) =>
      Promise.all([client.hGetAll(key), client.pExpire(key, this.options.idleTimeoutMs)]),
    );
    if (!fields.transport || !fields.principal) {
      // Expired or closed: its place goes too, if it is still counted.
      await this.connection.run('zrem', (client) => client.zRem(this.#places, id));
      return undefined;
    }
    await this.#slidePlace(id);
    return {
      transport: fields.transport === 'http+sse' ? 'http+sse' : 'streamable-http',
      principal: fields.principal,
      ...(fields.initialize ? { initialize: JSON.parse(fields.initialize) as JSONRPCMessage } : {}),
      ...(fields.logLevel ? { logLevel: fields.logLevel as LogLevel } : {}),
    };
  }

  async touch(id: string): Promise<void> {
    const alive = await this.connection.run('pexpire', (client) =>
      client.pExpire(this.#key(id), this.options.idleTimeoutMs),
    );
    if (alive) await this.#slidePlace(id);
  }

  async setLogLevel(id: string, level: LogLevel): Promise<void> {
    await this.connection.run('hset', (client) => client.hSet(this.#key(id), 'logLevel', level));
  }

  async close(id: string): Promise<boolean> {
    const [deleted] = await this.connection.run('del', (client) =>
      Promise.all([client.del(this.#key(id)), client.zRem(this.#places, id)]),
    );
    return deleted === 1;
  }

  async #slidePlace(id: string): Promise<void> {
    await this.connection.run('zadd', async (client) => {
      const [seconds, micros] = await client.time();
      const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      return client.zAdd(this.#places, { score: now + this.options.idleTimeoutMs, value: id }, { XX: true });
    });
  }
}
