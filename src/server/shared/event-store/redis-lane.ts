import type { EventStoreLimits } from './memory.js';
import type { StreamEnd } from './stream-end.js';

/**
 * The writer's side of one lane (one SDK stream written by this store): it names entries itself,
 * `<ms>-<n>` increasing like Redis's own ids, so `storeEvent` returns without waiting for Redis;
 * and it remembers the size and time of each entry it holds, so one `XADD … MINID <id>` trims the
 * lane exactly to the count, byte and age bounds.
 */
export class LaneWriter {
  #lastMs = 0;
  #seq = 0;
  // Entries held, oldest first, from #head on; compacted now and then rather than shifted.
  #ids: string[] = [];
  #times: number[] = [];
  #sizes: number[] = [];
  #head = 0;
  #bytes = 0;
  #refreshedAt = Number.NEGATIVE_INFINITY;
  /** Whether the lane is named in the session's meta hash yet. */
  registered = false;

  constructor(
    readonly key: string,
    readonly lane: string,
    readonly end: StreamEnd,
  ) {}

  get events(): number {
    return this.#ids.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The next entry id: greater than every earlier one even if the clock steps back. */
  nextId(now: number): string {
    if (now > this.#lastMs) {
      this.#lastMs = now;
      this.#seq = 0;
    } else {
      this.#seq += 1;
    }
    return `${this.#lastMs}-${this.#seq}`;
  }

  /**
   * Records an entry about to be written; returns the id of the oldest entry to keep when older
   * ones must go (count, bytes or age), undefined when nothing needs trimming.
   */
  hold(id: string, now: number, bytes: number, limits: EventStoreLimits): string | undefined {
    this.#ids.push(id);
    this.#times.push(now);
    this.#sizes.push(bytes);
    this.#bytes += bytes;
    const oldestAllowed = now - limits.ttlMs;
    let trimmed = false;
    while (
      this.events > limits.maxEvents ||
      this.#bytes > limits.maxBytes ||
      (this.#times[this.#head] ?? now) < oldestAllowed
    ) {
      this.#bytes -= this.#sizes[this.#head] ?? 0;
      this.#head += 1;
      trimmed = true;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#ids.length) this.#compact();
    return trimmed ? this.#ids[this.#head] : undefined;
  }

  /**
   * Whether the lane's expiry is due for a refresh: at most every `min(1 s, ttl / 10)`, so a lane
   * expires between that much before and exactly `ttl` after its last event.
   */
  expiryDue(now: number, ttlMs: number): boolean {
    if (now - this.#refreshedAt < Math.min(1000, ttlMs / 10)) return false;
    this.#refreshedAt = now;
    return true;
  }

  #compact(): void {
    this.#ids = this.#ids.slice(this.#head);
    this.#times = this.#times.slice(this.#head);
    this.#sizes = this.#sizes.slice(this.#head);
    this.#head = 0;
  }
}
