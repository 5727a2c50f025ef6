/** Why a call was refused: its principal's share is taken (429), or the process's (503). */
export type CallRefusal = 'call_quota' | 'call_capacity';

export type CallAdmission = { release: () => void } | { refused: CallRefusal };

/**
 * Concurrent tool calls, per principal (MAX_CALLS_PER_PRINCIPAL) and in the whole process
 * (MAX_CONCURRENT_CALLS). One client cannot take every slot: it meets its own limit first, and
 * the others are still served until the process limit. Pure counting; the HTTP side is
 * call-admission.ts. A principal with no call running holds no entry, so the map cannot grow with
 * principals that came and went.
 */
export class CallQuotas {
  readonly #byPrincipal = new Map<string, number>();
  #total = 0;

  constructor(readonly limits: Readonly<{ perPrincipal: number; total: number }>) {}

  /** Calls running in the process. */
  get total(): number {
    return this.#total;
  }

  /** Calls running for one principal key. */
  heldBy(key: string): number {
    return this.#byPrincipal.get(key) ?? 0;
  }

  /**
   * Takes `calls` places for `key` (a batch takes one per call in it), all or none. The principal's
   * own limit is checked first: a client over its share is told so, even when the process is full.
   * Call the returned release when the calls end; calling it again does nothing.
   */
  acquire(key: string, calls = 1): CallAdmission {
    const held = this.heldBy(key);
    if (held + calls > this.limits.perPrincipal) return { refused: 'call_quota' };
    if (this.#total + calls > this.limits.total) return { refused: 'call_capacity' };
    this.#byPrincipal.set(key, held + calls);
    this.#total += calls;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#total -= calls;
        const left = this.heldBy(key) - calls;
        if (left > 0) this.#byPrincipal.set(key, left);
        else this.#byPrincipal.delete(key);
      },
    };
  }
}
