import {
  type ClientRateLimitInfo,
  type IncrementResponse,
  MemoryStore,
  type Options,
  type Logger as RateLimitLogger,
  type Store,
} from 'express-rate-limit';
import { type RedisReply, RedisStore } from 'rate-limit-redis';
import type { Logger } from '../observability/logger.js';
import { LocalFirstStore } from './local-first-store.js';
import { principalHash } from './principal-hash.js';
import type { SharedConnection } from './redis/connection.js';

/** The limiters whose counters replicas share; each name keeps its counters apart from the others'. */
export type LimiterName = 'auth-failures' | 'requests';

/**
 * Counter stores for express-rate-limit, chosen once at start-up: in memory for one process, in
 * Redis (rate-limit-redis) when REDIS_URL is set, so a limit counts across every replica. The
 * Redis stores answer from the replica's estimate and update Redis behind the request
 * (local-first-store.ts), so no limiter waits for a round trip. Whatever
 * uses them must fail open when a store call fails (express-rate-limit: `passOnStoreError: true`
 * and `logger`): while Redis is away requests pass rather than everyone being refused, and the
 * store says so once per outage.
 */
export interface LimiterStores {
  readonly kind: 'memory' | 'redis';
  /** A new store for one limiter (express-rate-limit refuses one store shared by two limiters). */
  create(name: LimiterName): Store;
  /** express-rate-limit's `logger`: a store failure is at debug (the store reports outages), a misconfiguration at error. */
  readonly logger: RateLimitLogger;
}

export function createLimiterStores(connection: SharedConnection | undefined, logger: Logger): LimiterStores {
  const adapter = rateLimitLogger(logger);
  if (!connection) return { kind: 'memory', create: () => new MemoryStore(), logger: adapter };
  return {
    kind: 'redis',
    create: (name) => new LocalFirstStore(new SharedLimiterStore(name, connection, logger)),
    logger: adapter,
  };
}

/** express-rate-limit's own misconfiguration reports are `ValidationError`s with an ERR_ERL_ code. */
function isMisconfiguration(error: unknown): boolean {
  return error instanceof Error && /^ERR_ERL_/.test(String((error as { code?: unknown }).code));
}

function rateLimitLogger(logger: Logger): RateLimitLogger {
  return {
    warn: (error, message) => logger.warn({ err: error }, message ?? 'rate limiter warning'),
    error: (error, message) => {
      if (isMisconfiguration(error)) logger.error({ err: error }, message ?? 'rate limiter misconfigured');
      else logger.debug({ err: (error as Error)?.message }, message ?? 'rate limiter store failed');
    },
  };
}

/**
 * rate-limit-redis over the shared connection, under `${REDIS_KEY_PREFIX}limit:${name}:`, keyed by a
 * hash of the principal or address (Redis never names who is counted), whose
 * failures are reported once per outage. rate-limit-redis loads its scripts in `init` and keeps a
 * failed load for good, so a replica started while Redis was away would fail open forever: the
 * scripts are loaded again each time the connection comes up.
 */
class SharedLimiterStore implements Store {
  readonly prefix: string;
  readonly #inner: RedisStore;
  readonly #connection: SharedConnection;
  readonly #logger: Logger;
  #failing = false;

  constructor(name: LimiterName, connection: SharedConnection, logger: Logger) {
    this.prefix = `${connection.keyPrefix}limit:${name}:`;
    this.#connection = connection;
    this.#logger = logger.child({ limiter: name });
    this.#inner = new RedisStore({
      prefix: this.prefix,
      sendCommand: (...args: string[]) => connection.command(args) as Promise<RedisReply>,
    });
  }

  init(options: Options): void {
    const load = () => this.#inner.init(options).catch(() => undefined);
    load();
    this.#connection.onChange((up) => {
      if (up) load();
    });
  }

  async increment(key: string): Promise<IncrementResponse> {
    return this.#watch(this.#inner.increment(principalHash(key)));
  }

  async decrement(key: string): Promise<void> {
    return this.#watch(this.#inner.decrement(principalHash(key)));
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    return this.#watch(this.#inner.get(principalHash(key)));
  }

  async resetKey(key: string): Promise<void> {
    return this.#watch(this.#inner.resetKey(principalHash(key)));
  }

  /** Logs the first failure of an outage and the first success after it; passes the outcome on. */
  async #watch<T>(work: Promise<T>): Promise<T> {
    try {
      const result = await work;
      if (this.#failing) {
        this.#failing = false;
        this.#logger.info('rate limiter store answers again: the limit applies again');
      }
      return result;
    } catch (error) {
      if (!this.#failing) {
        this.#failing = true;
        this.#logger.warn(
          { err: (error as Error)?.message },
          'rate limiter store unavailable: the limiter fails open (lets requests through uncounted) until Redis is back',
        );
      }
      throw error;
    }
  }
}
