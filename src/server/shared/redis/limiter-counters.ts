import type { ClientRateLimitInfo } from 'express-rate-limit';
import { RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../../observability/logger.js';
import type { SharedCounters } from '../local-first-store.js';
import { principalHash } from '../principal-hash.js';
import type { SharedConnection } from './connection.js';

/**
 * The node-redis calls RateLimiterRedis makes, sent as raw commands on the shared connection, so
 * each one gets REDIS_TIMEOUT_MS, fails fast while Redis is away, and is timed like every other
 * command. Its `multi()` is only ever a GET and a PTTL read together; two commands sent in one
 * tick go out in one pipeline all the same.
 */
function storeClientOn(connection: SharedConnection) {
  return {
    eval: (script: string, options: { keys: string[]; arguments: string[] }) =>
      connection.command([
        'EVAL',
        script,
        String(options.keys.length),
        ...options.keys,
        ...options.arguments,
      ]),
    del: (key: string) => connection.command(['DEL', key]),
    multi() {
      const replies: Array<ReturnType<SharedConnection['command']>> = [];
      const reads = {
        get(key: string) {
          replies.push(connection.command(['GET', key]));
          return reads;
        },
        pTTL(key: string) {
          replies.push(connection.command(['PTTL', key]));
          return reads;
        },
        exec: () => Promise.all(replies),
      };
      return reads;
    },
  };
}

/** Never refused by the counter itself: express-rate-limit and the failure throttle decide. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/**
 * One limiter's counters in Redis (rate-limiter-flexible's RateLimiterRedis: one script adds any
 * number of points and starts the window), under `${REDIS_KEY_PREFIX}limit:${name}:`, keyed by a
 * hash of the principal or address, so Redis never names who is counted. Windows are whole
 * seconds in Redis, rounded up. Failures are reported once per outage.
 */
export class RedisLimiterCounters implements SharedCounters {
  readonly prefix: string;
  readonly #connection: SharedConnection;
  readonly #logger: Logger;
  #limiter: RateLimiterRedis | undefined;
  #failing = false;

  constructor(name: string, connection: SharedConnection, logger: Logger) {
    this.prefix = `${connection.keyPrefix}limit:${name}:`;
    this.#connection = connection;
    this.#logger = logger.child({ limiter: name });
  }

  init(windowMs: number): void {
    this.#limiter = new RateLimiterRedis({
      storeClient: storeClientOn(this.#connection),
      useRedisPackage: true,
      keyPrefix: this.prefix.slice(0, -1),
      points: UNBOUNDED,
      duration: Math.max(1, Math.ceil(windowMs / 1000)),
    });
  }

  async add(key: string, points: number): Promise<ClientRateLimitInfo> {
    const limiter = this.#ready();
    const id = principalHash(key);
    const res = await this.#watch(points >= 0 ? limiter.consume(id, points) : limiter.reward(id, -points));
    return infoOf(res);
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const res = await this.#watch(this.#ready().get(principalHash(key)));
    return res ? infoOf(res) : undefined;
  }

  async reset(key: string): Promise<void> {
    await this.#watch(this.#ready().delete(principalHash(key)));
  }

  #ready(): RateLimiterRedis {
    if (!this.#limiter) throw new Error('RedisLimiterCounters used before init()');
    return this.#limiter;
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

function infoOf(res: RateLimiterRes): ClientRateLimitInfo {
  return { totalHits: res.consumedPoints, resetTime: new Date(Date.now() + res.msBeforeNext) };
}
