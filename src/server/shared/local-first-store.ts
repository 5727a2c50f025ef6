import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';

/** How stale a replica's view of another replica's counts may get before it asks Redis again. */
export const LIMITER_SYNC_MS = 250;

/**
 * The longest a gathering store holds its increments before sending them: well inside
 * LIMITER_SYNC_MS, so other replicas see them about as soon as they would one by one.
 */
export const LIMITER_FLUSH_MS = 20;

/** The counters replicas share (Redis), as a LocalFirstStore drives them. */
export interface SharedCounters {
  readonly prefix: string;
  /** Sets the window: a key's count starts with its first points and ends `windowMs` later. */
  init(windowMs: number): void;
  /** Adds `points` (negative to take some back) to the key's count; the shared count after. */
  add(key: string, points: number): Promise<ClientRateLimitInfo>;
  get(key: string): Promise<ClientRateLimitInfo | undefined>;
  reset(key: string): Promise<void>;
}

export interface LocalFirstOptions {
  /**
   * 0 sends each increment at once; more gathers a key's increments for up to this long and
   * sends them as one command, so a busy client costs one command per interval, not per request.
   */
  flushMs?: number;
  now?: () => number;
}

/** Sweeps forgotten counters once per this many new keys, so the map stays bounded by live clients. */
const SWEEP_EVERY = 1024;

interface Estimate {
  /** The shared count as of the latest reply from the store. */
  hits: number;
  /** This replica's increments not answered yet (some perhaps not sent): not in `hits` yet. */
  pending: number;
  /** Those of `pending` still gathered here, to go out with the next flush. */
  unsent: number;
  resetTime: Date | undefined;
  syncedAt: number;
  syncing: boolean;
}

/**
 * Answers express-rate-limit from this replica's own estimate and keeps the shared store (Redis)
 * up to date behind the request, so a limiter adds no round trip to a request's critical path.
 * Every increment still reaches the store (gathered per key over `flushMs`), and each reply
 * brings the count of every replica; a `get` older than LIMITER_SYNC_MS asks again in the
 * background. The price is a bound that is approximate by what other replicas counted since the
 * last reply (at most LIMITER_SYNC_MS old): each replica refuses as soon as its own view reaches
 * the limit. The replica's own requests count at once, before their increment is answered. When
 * the store fails, only this replica's unanswered requests are counted: the limiter fails open,
 * as the store reports.
 */
export class LocalFirstStore implements Store {
  readonly localKeys = false;
  readonly prefix: string | undefined;
  readonly #inner: SharedCounters;
  readonly #estimates = new Map<string, Estimate>();
  /** Keys with increments gathered for the next flush. */
  readonly #gathered = new Map<string, Estimate>();
  readonly #flushMs: number;
  readonly #now: () => number;
  #flushTimer: NodeJS.Timeout | undefined;
  #windowMs = 60_000;
  #added = 0;

  constructor(inner: SharedCounters, options: LocalFirstOptions = {}) {
    this.#inner = inner;
    this.prefix = inner.prefix;
    this.#flushMs = options.flushMs ?? 0;
    this.#now = options.now ?? Date.now;
  }

  init(options: Options): void {
    this.#windowMs = options.windowMs;
    this.#inner.init(options.windowMs);
  }

  async increment(key: string): Promise<IncrementResponse> {
    const estimate = this.#estimate(key);
    estimate.pending++;
    estimate.unsent++;
    if (this.#flushMs === 0) this.#send(key, estimate);
    else {
      this.#gathered.set(key, estimate);
      this.#flushTimer ??= setTimeout(() => this.flush(), this.#flushMs).unref();
    }
    const resetTime = estimate.resetTime ?? new Date(this.#now() + this.#windowMs);
    return { totalHits: estimate.hits + estimate.pending, resetTime };
  }

  /** Sends every gathered increment now, one command per key. */
  flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    for (const [key, estimate] of this.#gathered) this.#send(key, estimate);
    this.#gathered.clear();
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
    this.#inner.add(key, -1).catch(() => undefined);
  }

  async resetKey(key: string): Promise<void> {
    this.#estimates.delete(key);
    this.#gathered.delete(key);
    await this.#inner.reset(key);
  }

  #send(key: string, estimate: Estimate): void {
    const points = estimate.unsent;
    estimate.unsent = 0;
    this.#follow(estimate, this.#inner.add(key, points), () => {
      estimate.pending -= points;
    });
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
    const fresh: Estimate = {
      hits: 0,
      pending: 0,
      unsent: 0,
      resetTime: undefined,
      syncedAt: 0,
      syncing: false,
    };
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
    this.#follow(estimate, this.#inner.get(key), () => {
      estimate.syncing = false;
    });
  }

  /**
   * Adopts a reply as the shared count. Replies come back in the order the commands went out on
   * the one connection, so the latest reply is the newest count, and `pending` holds exactly the
   * increments sent after it or not sent yet.
   */
  #follow(estimate: Estimate, reply: Promise<ClientRateLimitInfo | undefined>, settle: () => void): void {
    reply.then(
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
