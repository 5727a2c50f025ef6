/**
 * A bounded least-recently-used map from a credential's SHA-256 to the verdict it earned, so a
 * client that sends the same credential on every request is checked in full once. Keys are
 * digests, never credentials: a lookup's timing can then tell nothing about a stored credential.
 * Only successes go in; a wrong credential always takes the full path (and the brute-force count).
 */
export class VerdictCache<V> {
  readonly #entries = new Map<string, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
  }

  get size(): number {
    return this.#entries.size;
  }

  get(digest: string): V | undefined {
    const verdict = this.#entries.get(digest);
    if (verdict === undefined) return undefined;
    // A Map iterates in insertion order: re-inserting marks the entry as the most recently used.
    this.#entries.delete(digest);
    this.#entries.set(digest, verdict);
    return verdict;
  }

  set(digest: string, verdict: V): void {
    this.#entries.delete(digest);
    this.#entries.set(digest, verdict);
    if (this.#entries.size > this.capacity) {
      const eldest = this.#entries.keys().next().value;
      if (eldest !== undefined) this.#entries.delete(eldest);
    }
  }

  /** Forgets every verdict: the credentials they were drawn from may have changed. */
  clear(): void {
    this.#entries.clear();
  }
}
