import { createClient, ErrorReply } from 'redis';
import type { Config } from '../../../config.js';
import type { SharedStoreLink } from '../../observability/health.js';
import type { Logger } from '../../observability/logger.js';
import { redisCommandDuration, redisUp, registerRedisMetrics } from '../../observability/metrics.js';
import { SharedStateUnavailable } from '../unavailable.js';
import { clientOptions, type RedisSettings, redactedUrl } from './client-options.js';
import { redisCommandLabel } from './command-label.js';
import { withDeadline } from './deadline.js';

export type RedisClient = ReturnType<typeof createClient>;

/** A raw command's reply, as node-redis decodes it. */
export type RedisReply = Awaited<ReturnType<RedisClient['sendCommand']>>;

/**
 * What a side connection is for. `subscriber`: its SUBSCRIBE waits for a connection, and node-redis
 * subscribes again after every reconnect. `blocking`: a blocking read (XREAD BLOCK) while Redis is
 * away fails at once, and its caller retries.
 */
export type SideConnectionPurpose = 'subscriber' | 'blocking';

/**
 * This replica's link to Redis. Start-up never waits for it: the client reconnects forever with
 * capped, jittered backoff, and every command either gets Redis's answer within REDIS_TIMEOUT_MS
 * or rejects with `SharedStateUnavailable`, so no request ever waits longer on Redis.
 */
export interface SharedConnection {
  /** REDIS_KEY_PREFIX; build session keys with `keyOf(prefix, sessionId, suffix)`. */
  readonly keyPrefix: string;
  /** REDIS_TIMEOUT_MS. */
  readonly timeoutMs: number;
  /** `connecting` until the first connection ever; then `up` or `down` (what /readyz reports). */
  status(): SharedStoreLink;
  /** Whether commands can be sent now. */
  readonly up: boolean;
  /** `listener(up)` on every change between up and down; returns the unsubscribe. */
  onChange(listener: (up: boolean) => void): () => void;
  /**
   * Runs `work` on the shared client within REDIS_TIMEOUT_MS and times it under `command` (see
   * command-label.ts). A Redis error reply (WRONGTYPE, NOSCRIPT…) and a TypeError come through as
   * they are; Redis down, refusing, or too slow becomes `SharedStateUnavailable`.
   */
  run<T>(command: string, work: (client: RedisClient) => Promise<T>): Promise<T>;
  /** One raw command, `args[0]` naming it, under the same rules as `run`. */
  command(args: readonly string[]): Promise<RedisReply>;
  /**
   * A connection of its own, for SUBSCRIBE or blocking reads, which would hold up every other
   * command on the shared one. Same URL, credentials, TLS and backoff; already connecting; closed
   * with this connection. Its commands carry no deadline: the caller bounds them.
   */
  duplicate(purpose: SideConnectionPurpose): RedisClient;
  /** Closes every connection; for shutdown, after the sessions have closed. */
  close(): Promise<void>;
}

/** The link to Redis when REDIS_URL is set; undefined when one process keeps everything in memory. */
export function createSharedConnection(
  config: Pick<Config, 'redis' | 'replicaId'>,
  logger: Logger,
): SharedConnection | undefined {
  return config.redis ? new RedisConnection(config.redis, config.replicaId, logger) : undefined;
}

class RedisConnection implements SharedConnection {
  readonly keyPrefix: string;
  readonly timeoutMs: number;
  readonly #client: RedisClient;
  readonly #logger: Logger;
  readonly #sides = new Set<RedisClient>();
  readonly #listeners = new Set<(up: boolean) => void>();
  #status: SharedStoreLink = 'connecting';
  #downSince = Date.now();
  #warned = false;
  #closed = false;

  constructor(settings: RedisSettings, replicaId: string, logger: Logger) {
    this.keyPrefix = settings.keyPrefix;
    this.timeoutMs = settings.timeoutMs;
    this.#logger = logger.child({ component: 'redis' });
    registerRedisMetrics();
    redisUp.set(0);
    this.#client = createClient(clientOptions(settings, replicaId));
    this.#client.on('ready', () => this.#onReady());
    // node-redis emits 'error' for every failed (re)connection; without a listener it would crash.
    this.#client.on('error', (error: unknown) => this.#onError(error));
    this.#logger.info({ redis: redactedUrl(settings.url) }, 'connecting to Redis');
    // Resolves at the first connection; rejects only on close(), since the strategy never gives up.
    this.#client.connect().catch(() => undefined);
  }

  status(): SharedStoreLink {
    return this.#status;
  }

  get up(): boolean {
    return this.#status === 'up';
  }

  onChange(listener: (up: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async run<T>(command: string, work: (client: RedisClient) => Promise<T>): Promise<T> {
    if (!this.up) throw new SharedStateUnavailable('Redis is unreachable');
    const label = redisCommandLabel(command);
    const started = performance.now();
    try {
      return await withDeadline(
        work(this.#client),
        this.timeoutMs,
        () => new SharedStateUnavailable(`Redis did not answer ${label} within ${this.timeoutMs} ms`),
      );
    } catch (error) {
      // Redis's own answer (WRONGTYPE, NOSCRIPT) and a caller's bug (TypeError) are not outages.
      if (
        error instanceof ErrorReply ||
        error instanceof TypeError ||
        error instanceof SharedStateUnavailable
      ) {
        throw error;
      }
      throw new SharedStateUnavailable('Redis is unreachable', { cause: error });
    } finally {
      redisCommandDuration.observe({ command: label }, (performance.now() - started) / 1000);
    }
  }

  command(args: readonly string[]): Promise<RedisReply> {
    return this.run(args[0] ?? 'other', (client) => client.sendCommand([...args]));
  }

  duplicate(purpose: SideConnectionPurpose): RedisClient {
    const side = this.#client.duplicate({ disableOfflineQueue: purpose === 'blocking' });
    side.on('error', (error: unknown) =>
      this.#logger.debug({ purpose, err: messageOf(error) }, 'Redis side connection failed; retrying'),
    );
    this.#sides.add(side);
    side.connect().catch(() => undefined);
    return side;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.#setStatus('down');
    await Promise.all([this.#client, ...this.#sides].map((client) => this.#closeClient(client)));
  }

  /** Lets pending replies arrive for a moment, then drops the socket; a reconnect loop just stops. */
  async #closeClient(client: RedisClient): Promise<void> {
    if (!client.isOpen) return;
    if (!client.isReady) return client.destroy();
    await withDeadline(client.close(), this.timeoutMs, () => new Error('close timed out')).catch(() =>
      client.destroy(),
    );
  }

  #onReady(): void {
    const was = this.#status;
    this.#setStatus('up');
    this.#warned = false;
    if (was === 'connecting') this.#logger.info('Redis connected');
    else this.#logger.info({ down_ms: Date.now() - this.#downSince }, 'Redis connection restored');
  }

  #onError(error: unknown): void {
    if (this.#closed) return;
    const err = messageOf(error);
    // node-redis also reports errors that leave the connection standing (a reply it could not parse).
    if (this.#client.isReady) {
      this.#logger.warn({ err }, 'Redis client error; the connection stays up');
      return;
    }
    if (this.#status === 'up') {
      this.#downSince = Date.now();
      this.#setStatus('down');
      this.#logger.warn(
        { err },
        'Redis connection lost: sessionful requests get 503 until it is back; retrying with backoff',
      );
    } else if (!this.#warned) {
      this.#logger.warn(
        { err },
        'Redis unreachable: /readyz answers 503 until the first connection; retrying with backoff',
      );
    } else {
      this.#logger.debug({ err }, 'Redis still unreachable; retrying');
    }
    this.#warned = true;
  }

  #setStatus(status: SharedStoreLink): void {
    const wasUp = this.up;
    this.#status = status;
    redisUp.set(this.up ? 1 : 0);
    if (wasUp === this.up) return;
    for (const listener of this.#listeners) {
      try {
        listener(this.up);
      } catch (error) {
        this.#logger.error({ err: error }, 'Redis state listener failed');
      }
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
