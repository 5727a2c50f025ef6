import type { CallLease, CallLeases } from '../shared-state.js';

const HELD: CallLease = { held: Promise.resolve(), release: () => undefined };

/** One process: a call cannot outlive the process that runs it, so no lease ever expires. */
export class MemoryCallLeases implements CallLeases {
  hold(): CallLease {
    return HELD;
  }

  onExpired(): void {}
}
