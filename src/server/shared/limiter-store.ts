import { MemoryStore, type Logger as RateLimitLogger, type Store } from 'express-rate-limit';
import type { Logger } from '../observability/logger.js';
import type { SharedConnection } from './redis/connection.js';

/** The limiters whose counters replicas share; each name keeps its counters apart from the others'. */
export type LimiterName = 'auth-failures' | 'requests';

/**
 * Counter stores for express-rate-limit, chosen once at start-up: in memory for one process, in
 * Redis (rate-limiter-flexible, redis/limiter-counters.ts) when REDIS_URL is set, so a limit
 * counts across every replica. The Redis stores answer from the replica's estimate and update
 * Redis behind the request (local-first-store.ts), so no limiter waits for a round trip. Whatever
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

export async function createLimiterStores(
  connection: SharedConnection | undefined,
  logger: Logger,
): Promise<LimiterStores> {
  const adapter = rateLimitLogger(logger);
  if (!connection) return { kind: 'memory', create: () => new MemoryStore(), logger: adapter };
  // Loaded only here: a process without Redis never pays for rate-limiter-flexible's import.
  const [{ LIMITER_FLUSH_MS, LocalFirstStore }, { RedisLimiterCounters }] = await Promise.all([
    import('./local-first-store.js'),
    import('./redis/limiter-counters.js'),
  ]);
  // How long each limiter gathers its increments before sending them to Redis as one. Failures
  // are rare and a few of them reach the limit, so each is sent at once; requests are many and
  // their limit is per minute, so one command per key per LIMITER_FLUSH_MS carries them all.
  const flushMs: Record<LimiterName, number> = { 'auth-failures': 0, requests: LIMITER_FLUSH_MS };
  return {
    kind: 'redis',
    create: (name) =>
      new LocalFirstStore(new RedisLimiterCounters(name, connection, logger), { flushMs: flushMs[name] }),
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
