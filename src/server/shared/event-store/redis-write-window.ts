/**
 * The events a process has stored but Redis has not acknowledged yet (buffered or in flight).
 * Events are written without waiting, so a tool never waits on Redis per notification; past
 * `max` of them (Redis slow, or unreachable while the client queues), the next `storeEvent` waits
 * for room instead of letting the queue, and memory, grow without bound.
 */
export class WriteWindow {
  #held = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(
    private readonly max: number,
    private readonly onError: (error: unknown, events: number) => void,
  ) {}

  get held(): number {
    return this.#held;
  }

  /** Undefined while there is room; otherwise resolves when some held events are acknowledged. */
  room(): Promise<void> | undefined {
    if (this.#held < this.max) return undefined;
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Holds one event from the moment it is buffered. */
  reserve(): void {
    this.#held += 1;
  }

  /**
   * Releases `events` held events when `write` settles. `write` resolves to how many of them Redis
   * refused; those, or all of them when it rejects, go to `onError`, never to the caller.
   */
  track(write: Promise<{ failed: number; error?: unknown }>, events: number): Promise<void> {
    return write.then(
      ({ failed, error }) => {
        this.#release(events);
        if (failed > 0) this.onError(error, failed);
      },
      (error: unknown) => {
        this.#release(events);
        this.onError(error, Math.max(events, 1));
      },
    );
  }

  #release(events: number): void {
    this.#held -= events;
    while (this.#held < this.max && this.#waiting.length > 0) this.#waiting.shift()?.();
  }
}
