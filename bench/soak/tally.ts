/**
 * What the soak's clients saw, counted as it happens. A cancellation the soak asked for is not an
 * error; everything that should not happen is one, by kind.
 */
export const ERROR_KINDS = [
  /** A request failed: unexpected HTTP status, refused connection, a client that threw. */
  'request',
  /** A call ended without its result, or with a wrong one. */
  'result',
  /** A progress or log notification is missing, repeated or out of order. */
  'notification',
  /** A dropped 2025 stream could not be resumed with Last-Event-ID, or lost events. */
  'resume',
  /** After the load: a session or an SSE stream the clients closed is still open on the server. */
  'leak',
  /** After the load: the server's call counts (ok, cancelled, error) disagree with the clients'. */
  'count',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** Error messages kept per kind for the report: enough to start looking, not a log of every failure. */
const KEPT_PER_KIND = 3;

export class Tally {
  /** Tool calls that returned the whole, correct result with every notification. */
  calls = 0;
  /** Calls cancelled on purpose (both eras), after their first progress. */
  cancelled = 0;
  /** 2025 calls whose stream was dropped and resumed with nothing missing. */
  resumed = 0;
  /** 2025 and HTTP+SSE sessions opened and closed again. */
  sessions = 0;
  readonly errors: Record<ErrorKind, number> = Object.fromEntries(ERROR_KINDS.map((k) => [k, 0])) as Record<
    ErrorKind,
    number
  >;
  readonly messages: string[] = [];

  fail(kind: ErrorKind, message: string): void {
    this.errors[kind] += 1;
    if (this.errors[kind] <= KEPT_PER_KIND) this.messages.push(`${kind}: ${message}`);
  }

  get errorCount(): number {
    return ERROR_KINDS.reduce((sum, kind) => sum + this.errors[kind], 0);
  }
}
