import type { RedisClientOptions } from 'redis';
import type { Config } from '../../../config.js';
import { reconnectDelay } from './backoff.js';

export type RedisSettings = NonNullable<Config['redis']>;

/**
 * Commands one connection may have in flight before new ones are refused: against a Redis that
 * accepted commands and then stalled, requests fail fast instead of piling up behind it.
 */
const MAX_PENDING_COMMANDS = 10_000;

/**
 * node-redis options for REDIS_URL. The URL carries user, password, TLS (`rediss://`) and the
 * database number; node-redis reads them from it. A password from REDIS_PASSWORD_FILE is passed
 * beside it (config refuses one in both places, so the URL never overrides it). There is no offline queue: while Redis is away a
 * command is refused at once (503) rather than held until a reconnect that may never come soon.
 */
export function clientOptions(settings: RedisSettings, replicaId: string): RedisClientOptions {
  return {
    url: settings.url,
    ...(settings.password !== undefined && { password: settings.password }),
    // CLIENT LIST then says which replica holds which connection.
    name: `beacon-${replicaId}`,
    disableOfflineQueue: true,
    commandsQueueMaxLength: MAX_PENDING_COMMANDS,
    socket: { reconnectStrategy: (retries: number) => reconnectDelay(retries) },
  };
}

/** REDIS_URL fit for a log line: the password, if any, replaced by `***`. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return '[unparseable]';
  }
}
