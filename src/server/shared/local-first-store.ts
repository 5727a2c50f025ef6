import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';

/** How stale a replica's view of another replica's counts may get before it asks Redis again. */
export const LIMITER_SYNC_MS = 250;

/** Sweeps forgotten counters once per this many new keys, so the map stays bounded by live clients. */
const SWEEP_EVERY = 1024;

interface Estimate {
  /** The shared count as of the latest reply from the store. */
  hits: number;
  /** This replica's increments sent but not yet answered: not in `hits` yet. */
  pending: number;
  resetTime: Date | undefined;
  syncedAt: number;
  syncing: boolean;
}

/**
 * Answers express-rate-limit from this replica's own estimate and keeps the shared store (Redis)
 * up to date behind the request, so a limiter adds no round trip to a request's critical path.
 * Every increment still reaches the store, and each reply brings the count of every replica; a
 * `get` older than LIMITER_SYNC_MS asks again in the background. The price is a bound that is
 * approximate by what other replicas counted since the last reply (at most LIMITER_SYNC_MS
 * old): each replica refuses as soon as its own view reaches the limit. The replica's own
 * requests count at once, before their increment is answered. When the store fails, only this
 * replica's unanswered requests are counted: the limiter fails open, as the store reports.
 */
export class LocalFirstStore implements Store {
  readonly localKeys = false;
  readonly prefix: string | undefined;
  readonly #inner: Store;
  readonly #estimates = new Map<string, Estimate>();
  readonly #now: () => number;
  #windowMs = 60_000;
  #added = 0;

  constructor(inner: Store, now: () => number = Date.now) {
    this.#inner = inner;
    this.prefix = inner.prefix;
    this.#now = now;
  }

  init(options: Options): void {
    this.#windowMs = options.windowMs;
    void Promise.resolve(this.#inner.init?.(options)).catch(() => undefined);
  }

  async increment(key: string): Promise<IncrementResponse> {
    const estimate = this.#estimate(key);
    estimate.pending++;
    this.#follow(estimate, this.#inner.increment(key), () => estimate.pending--);
    const resetTime = estimate.resetTime ?? new Date(this.#now() + this.#windowMs);
    return { totalHits: estimate.hits + estimate.pending, resetTime };
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const estimate = this.#live(key);
    if (!estimate || this.#now() - estimate.syncedAt >= LIMITER_SYNC_MS) this.#sync(key);
    if (!estimate) return undefined;
    return { totalHits: estimate.hits + estimate.pending, resetTime: estimate.resetTime };
  }

  async decrement(key: string): Promise<void> {
    const estimate = this.#live(key);
    if (estimate) estimate.hits = Math.max(0, estimate.hits - 1);
    void Promise.resolve(this.#inner.decrement(key)).catch(() => undefined);
  }

  async resetKey(key: string): Promise<void> {
    this.#estimates.delete(key);
    await this.#inner.resetKey(key);
  }

  /** The key's estimate, unless its window has ended with nothing left unanswered. */
  #live(key: string): Estimate | undefined {
    const estimate = this.#estimates.get(key);
    if (estimate && this.#ended(estimate)) {
      this.#estimates.delete(key);
      return undefined;
    }
    return estimate;
  }

  #estimate(key: string): Estimate {
    const live = this.#live(key);
    if (live) return live;
    if (++this.#added % SWEEP_EVERY === 0) this.#sweep();
    const fresh: Estimate = { hits: 0, pending: 0, resetTime: undefined, syncedAt: 0, syncing: false };
    this.#estimates.set(key, fresh);
    return fresh;
  }

  /** Nothing unanswered, and the window over (or, for a key the store never held, one window since). */
  #ended(estimate: Estimate): boolean {
    if (estimate.pending > 0 || estimate.syncing) return false;
    const end = estimate.resetTime?.getTime() ?? estimate.syncedAt + this.#windowMs;
    return end <= this.#now();
  }

  #sweep(): void {
    for (const [key, estimate] of this.#estimates) if (this.#ended(estimate)) this.#estimates.delete(key);
  }

  #sync(key: string): void {
    const estimate = this.#estimate(key);
    if (estimate.syncing) return;
    estimate.syncing = true;
    this.#follow(estimate, this.#inner.get?.(key), () => {
      estimate.syncing = false;
    });
  }

  /**
   * Adopts a reply as the shared count. Replies come back in the order the commands went out on
   * the one connection, so the latest reply is the newest count, and `pending` holds exactly the
   * increments sent after it.
   */
  #follow(
    estimate: Estimate,
    reply: Promise<ClientRateLimitInfo | undefined> | ClientRateLimitInfo | undefined,
    settle: () => void,
  ): void {
    Promise.resolve(reply).then(
      (info) => {
        settle();
        const now = this.#now();
        // A key Redis does not hold comes back as 0 hits with a reset time already past.
        const counting = info?.resetTime !== undefined && info.resetTime.getTime() > now;
        estimate.hits = counting ? info.totalHits : 0;
        estimate.resetTime = counting ? info.resetTime : undefined;
        estimate.syncedAt = now;
      },
      // The store has reported its outage; the estimate keeps only what it had.
      settle,
    );
  }
}
