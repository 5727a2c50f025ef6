import { SdkError, SdkErrorCode } from '@modelcontextprotocol/server';

/** Sends one `ping` to the client and settles with its answer, or rejects on error or timeout. */
export type Ping = (options: { timeout: number; signal: AbortSignal }) => Promise<unknown>;

/** Waits before a result until the client has handled the call's last progress (see below). */
export type ProgressBarrier = (ping: Ping, signal: AbortSignal) => Promise<void>;

/** How long a result waits for the client's answer before it is sent anyway. */
export const PROGRESS_BARRIER_TIMEOUT_MS = 2_000;

/**
 * 2024-11-05 HTTP+SSE: keeps the SDK v1 client from losing a call's last progress.
 *
 * That client parses all the events of one network read in a row: it settles a response at once,
 * handles a notification a microtask later, and forgets the request's progress handler when the
 * response settles. A final progress that shares a read with the result is therefore dropped, and
 * the bar stops at n-1 of n. How its reads fall depends on the client's own scheduling, so no
 * write timing here keeps the two apart (a 10 ms pause still lost about half on a busy machine).
 * A `ping` does: the client answers it only after it has handled every message sent before it.
 * The 2025 era needs none: that client's Streamable HTTP transport hands over one event per stream
 * read, so the progress is handled before the result is even parsed.
 *
 * Any answer, an error included, proves that. A client that leaves a ping unanswered is not asked
 * again on this stream, so its results wait at most once.
 */
export function createProgressBarrier(timeoutMs = PROGRESS_BARRIER_TIMEOUT_MS): ProgressBarrier {
  let answers = true;
  return async (ping, signal) => {
    if (!answers || signal.aborted) return;
    try {
      await ping({ timeout: timeoutMs, signal });
    } catch (error) {
      if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout) answers = false;
    }
  };
}
