/** How long to wait for notifications that travel on a standalone stream after the call ended. */
const STRAGGLER_MS = 2000;

export interface ThroughputResult {
  perSecond: number;
  received: number;
  expected: number;
}

/**
 * Counts a one-stream round's notifications towards the number expected and notes when the last
 * one arrived, so the rate is over the notifications themselves, whatever reads them.
 */
export class Arrivals {
  readonly expected: number;
  #count = 0;
  #finished = 0;
  #reached: () => void = () => undefined;
  readonly #all = new Promise<void>((resolve) => {
    this.#reached = resolve;
  });

  constructor(expected: number) {
    this.expected = expected;
  }

  /** Records `n` more notifications. */
  add(n = 1): void {
    this.#count += n;
    if (this.#count >= this.expected) {
      this.#finished ||= performance.now();
      this.#reached();
    }
  }

  /** After the call has ended: waits for the rest (at most STRAGGLER_MS), then the rate since `started`. */
  async result(started: number): Promise<ThroughputResult> {
    await Promise.race([this.#all, new Promise((r) => setTimeout(r, STRAGGLER_MS))]);
    const ended = this.#finished || performance.now();
    return {
      perSecond: this.#count / ((ended - started) / 1000),
      received: this.#count,
      expected: this.expected,
    };
  }
}
