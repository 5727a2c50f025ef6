import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits `ms` milliseconds, or rejects with `signal.reason` the moment the signal fires.
 *
 * With `ms = 0` it still yields one turn of the event loop: a cancellation arriving from the
 * network is an I/O event, and a loop that never yields would not see it until every item is done.
 * Rejecting with `signal.reason` (not the timer's own AbortError) lets callers tell a client's
 * cancellation apart from any other failure by comparing with the reason they passed to `abort()`.
 */
export async function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  try {
    await (ms > 0 ? sleep(ms, undefined, { signal }) : nextTurn(undefined, { signal }));
  } catch (error) {
    signal.throwIfAborted();
    throw error;
  }
  signal.throwIfAborted();
}
