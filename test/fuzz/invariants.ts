/**
 * What every answer to a hostile request must satisfy, as pure functions over the response, so
 * they are unit-tested without a server. A violation is a sentence naming what was wrong.
 */

/** Longest a case may take, from the first byte sent to the last byte read. */
export const CASE_DEADLINE_MS = 10_000;

export interface FuzzResponse {
  /**
   * The HTTP status; `closed` when the server hung up without answering (fine for a request it
   * could not frame), `timeout` when nothing ended within the deadline.
   */
  status: number | 'closed' | 'timeout';
  /** Lower-case names. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: string;
  elapsedMs: number;
  /** The socket error the client saw, if any (`ECONNRESET`). */
  error?: string;
}

export interface InvariantContext {
  /** Everything the request carried, as text: what the server echoes back is not a leak. */
  requestText: string;
  /** Directories of the machine that must never appear in a body (cwd, DATA_DIR). */
  privatePaths: readonly string[];
  /** A hang-up without an answer is normal for a request node:http could not frame (raw cases). */
  closeAllowed: boolean;
}

/**
 * Signs of an internal error reaching the client, each with a name for the report: a stack frame,
 * a file path of this machine, a dependency's folder, or a thrown error's `Name: message`.
 */
const LEAKS: ReadonlyArray<readonly [string, RegExp]> = [
  ['a stack frame', / {4}at /g],
  ['a stack frame', /\bat (?:[\w$.<>[\] ]+ \()?(?:file:\/\/|node:|\/|[A-Za-z]:\\)[^\s)]*:\d+:\d+/g],
  [
    'an absolute path',
    /(?<![\w.:/%-])\/(?:home|root|usr|opt|var|tmp|etc|srv|app|work|mnt|proc|Users|private|nix|snap)\/[^\s"'<>)]*/g,
  ],
  ['an absolute path', /(?<![\w])[A-Za-z]:\\[^\s"'<>]+/g],
  ['an absolute path', /file:\/\/\/[^\s"'<>]*/g],
  ['node_modules', /node_modules/g],
  ['a thrown error', /\b(?:[A-Z][A-Za-z]*)?Error:/g],
];

/**
 * The leaks in a text, leaving out any piece the request itself contained (an echo is not a leak),
 * whether echoed as sent or escaped as a JSON string.
 */
export function leaksIn(
  text: string,
  context: Pick<InvariantContext, 'requestText' | 'privatePaths'>,
): string[] {
  const found: string[] = [];
  let escaped: string | undefined;
  const echoed = (piece: string) => {
    if (context.requestText.includes(piece)) return true;
    escaped ??= JSON.stringify(context.requestText);
    return escaped.includes(piece);
  };
  for (const [name, pattern] of LEAKS) {
    for (const match of text.matchAll(pattern)) {
      if (!echoed(match[0])) found.push(`${name} ${JSON.stringify(match[0].slice(0, 80))}`);
    }
  }
  for (const path of context.privatePaths) {
    if (path.length > 1 && text.includes(path) && !echoed(path)) {
      found.push(`a private path ${JSON.stringify(path)}`);
    }
  }
  return [...new Set(found)];
}

/**
 * The leaks in a stream that carries answers to many requests, which cannot each be matched to
 * what was echoed: everything but the generic path patterns, which fuzzed paths would set off.
 */
export function streamLeaks(text: string, privatePaths: readonly string[]): string[] {
  return leaksIn(text, { requestText: '', privatePaths }).filter(
    (leak) => !leak.startsWith('an absolute path'),
  );
}

/** A JSON-RPC error object: `jsonrpc: "2.0"`, an integer `error.code`, a string `error.message`. */
export function jsonRpcErrorProblem(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `error body is not JSON: ${JSON.stringify(body.slice(0, 120))}`;
  }
  const envelope = parsed as { jsonrpc?: unknown; error?: { code?: unknown; message?: unknown } } | null;
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
    return `error body is not a JSON-RPC object: ${JSON.stringify(body.slice(0, 120))}`;
  }
  if (envelope.jsonrpc !== '2.0') return 'error body lacks jsonrpc "2.0"';
  if (!Number.isInteger(envelope.error?.code)) return 'error body lacks an integer error.code';
  if (typeof envelope.error?.message !== 'string') return 'error body lacks a string error.message';
  return undefined;
}

function header(response: FuzzResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Every rule a response breaks; an empty list means it passed. */
export function violations(response: FuzzResponse, context: InvariantContext): string[] {
  const problems: string[] = [];
  const { status } = response;
  if (status === 'timeout' || response.elapsedMs > CASE_DEADLINE_MS) {
    problems.push(`no complete answer within ${CASE_DEADLINE_MS} ms`);
  }
  if (status === 'closed' && !context.closeAllowed) {
    problems.push(`connection closed without an answer${response.error ? ` (${response.error})` : ''}`);
  }
  if (typeof status === 'number') {
    if (status >= 500 && !(status === 503 && header(response, 'retry-after'))) {
      problems.push(`status ${status}${status === 503 ? ' without Retry-After' : ''}`);
    }
    if (status >= 400 && response.body.trim() !== '') {
      const problem = jsonRpcErrorProblem(response.body);
      if (problem) problems.push(problem);
    }
  }
  problems.push(...leaksIn(response.body, context).map((leak) => `body leaks ${leak}`));
  return problems;
}
