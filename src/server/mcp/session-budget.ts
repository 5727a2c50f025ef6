/**
 * MAX_SESSIONS is one cap over every sessionful transport: 2025-era Streamable HTTP sessions and
 * deprecated HTTP+SSE sessions draw on the same budget, so turning on LEGACY_SSE cannot double the
 * memory a server may hold for sessions.
 */
export class SessionBudget {
  #used = 0;

  constructor(readonly limit: number) {}

  get used(): number {
    return this.#used;
  }

  /**
   * Takes one place, or returns undefined when all are taken. Call the returned release exactly
   * when the session ends (or fails to open); calling it again does nothing.
   */
  acquire(): (() => void) | undefined {
    if (this.#used >= this.limit) return undefined;
    this.#used += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#used -= 1;
    };
  }
}
