import { parseArgs } from 'node:util';
import { LOG_LEVELS, type LogLevel } from '../log-levels.js';
import type { ClientAuth } from './auth.js';
import { CREDENTIAL_OPTIONS, parseAuth } from './credential-flags.js';
import { UsageError } from './usage-error.js';

export { LOG_LEVELS, type LogLevel, UsageError };

export const ERAS = ['auto', 'modern', 'legacy', 'sse'] as const;
export type EraChoice = (typeof ERAS)[number];

/** Where the tool's items come from: the command line, a file (one per line), or stdin (`-`). */
export type ItemSource =
  | { kind: 'args'; items: string[] }
  | { kind: 'file'; path: string }
  | { kind: 'stdin' };

export interface CallOptions {
  url: URL;
  auth: ClientAuth;
  /** Extra raw headers from `--header 'Name: value'`, in the order given. */
  headers: Array<[name: string, value: string]>;
  caFile: string | undefined;
  era: EraChoice;
  /** Call the plain streaming endpoint (POST /classic/process on --url's origin) instead of MCP. */
  classic: boolean;
  json: boolean;
  logLevel: LogLevel;
  delayMs: number | undefined;
  /** Calls made one after another on the same connection (one 2025-era session); default 1. */
  repeat: number;
  /** Pause between repeated calls. */
  pauseMs: number;
  /** Parsed `--args` JSON object, before items are merged in. */
  baseArgs: Record<string, unknown>;
  tool: string;
  items: ItemSource;
}

export type ParsedCommand = { kind: 'help' } | { kind: 'call'; options: CallOptions };

export const USAGE = `Usage: beacon call --url URL [options] TOOL [items...]

Calls TOOL on a Beacon (or any MCP) server and prints every notification as it arrives.

Options:
  --url URL              MCP endpoint, e.g. http://127.0.0.1:3000/mcp (required)
  --api-key KEY          send "Authorization: Bearer KEY" (Beacon keys look like bk_...)
  --token TOKEN          send TOKEN as a bearer token
  --oauth-client-credentials --client-id ID --client-secret SECRET
                         OAuth client credentials: the authorization server is discovered
                         from the server's 401, the token bound to --url (RFC 8707)
  --api-key-file FILE, --token-file FILE, --client-secret-file FILE
                         read that secret from FILE (trailing newline ignored) instead of
                         the command line, where ps shows it to every local user
  --oauth                sign in through the browser (authorization code + PKCE); the
                         sign-in URL is printed, tokens are cached per issuer
  --issuer URL           with --oauth*: accept only this authorization server
  --header 'Name: value' add a raw request header (repeatable)
  --ca FILE              trust this PEM CA certificate for HTTPS
  --era auto|modern|legacy|sse
                         protocol era: auto negotiates 2026-07-28, falls back to
                         2025-11-25 sessions, then to the deprecated HTTP+SSE transport
                         (so --url may name .../mcp or .../sse); sse goes straight to
                         HTTP+SSE (default auto)
  --classic              process the items with plain chunked HTTP (POST /classic/process
                         on the --url origin) instead of MCP, printed the same way
  --json                 print NDJSON on stdout: one line per notification, then the result
  --log-level LEVEL      lowest log level the server should send (default info)
  --file PATH            read items from PATH, one per line ("-" as the only item reads stdin)
  --delay-ms N           per-item delay passed to the tool as delayMs
  --args JSON            tool arguments as a JSON object; items are merged into it
  --repeat N             make the call N times (1-1000) on the same connection, so a
                         2025-11-25 session lives across calls; stops at the first failure
  --pause-ms N           pause between repeated calls (default 1000)
  -h, --help             show this help

Exit codes: 0 ok, 1 tool or protocol error, 2 usage, 3 connection, 4 auth, 130 interrupted.`;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag}: expected one of ${allowed.join(', ')}, got '${value}'`);
}

function parseUrl(value: string | undefined): URL {
  if (value === undefined) throw new UsageError('--url is required, e.g. --url http://127.0.0.1:3000/mcp');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--url: '${value}' is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url: only http:// and https:// are supported, got '${url.protocol}'`);
  }
  return url;
}

function parseHeader(raw: string): [string, string] {
  const colon = raw.indexOf(':');
  const name = colon > 0 ? raw.slice(0, colon).trim() : '';
  if (!HEADER_NAME.test(name)) throw new UsageError(`--header: expected 'Name: value', got '${raw}'`);
  return [name, raw.slice(colon + 1).trim()];
}

function parseWhole(flag: string, value: string, min: number, max: number, unit: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag}: expected a whole number of ${unit} from ${min} to ${max}, got '${value}'`);
  }
  return n;
}

function parseDelay(value: string | undefined): number | undefined {
  return value === undefined
    ? undefined
    : parseWhole('--delay-ms', value, 0, Number.MAX_SAFE_INTEGER, 'milliseconds');
}

function parseJsonArgs(value: string | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new UsageError(`--args: not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError('--args: expected a JSON object, e.g. --args \'{"items":["a"]}\'');
  }
  return parsed as Record<string, unknown>;
}

function parseItems(file: string | undefined, positionals: string[]): ItemSource {
  if (file !== undefined) {
    if (positionals.length > 0)
      throw new UsageError('--file cannot be combined with items on the command line');
    if (file === '') throw new UsageError('--file: empty path');
    return file === '-' ? { kind: 'stdin' } : { kind: 'file', path: file };
  }
  if (positionals.includes('-')) {
    if (positionals.length > 1) throw new UsageError("'-' (read items from stdin) must be the only item");
    return { kind: 'stdin' };
  }
  return { kind: 'args', items: positionals };
}

/** The plain endpoint runs process_items only, speaks no MCP era, and takes a static bearer credential. */
function checkClassic(tool: string, era: string | undefined, auth: ClientAuth): void {
  if (tool !== 'process_items') throw new UsageError(`--classic runs process_items only, got '${tool}'`);
  if (era !== undefined) throw new UsageError('--classic and --era cannot be used together');
  if (auth.kind === 'oauth' || auth.kind === 'oauth-client-credentials') {
    throw new UsageError('--classic takes --api-key or --token (plain HTTP does no OAuth discovery)');
  }
}

/** Turns its node:util parse errors into one short sentence that still names the flag. */
function firstSentence(message: string): string {
  const end = message.indexOf('. ');
  return end === -1 ? message : message.slice(0, end);
}

/** Parses `beacon call` arguments (everything after `call`). Throws UsageError on a bad command line. */
export function parseCallArgs(argv: string[]): ParsedCommand {
  let parsed: ReturnType<typeof parseOnly>;
  try {
    parsed = parseOnly(argv);
  } catch (error) {
    throw new UsageError(firstSentence((error as Error).message));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };

  const url = parseUrl(values.url);
  const auth = parseAuth(values);
  const headers = (values.header ?? []).map(parseHeader);
  const era = oneOf('--era', values.era ?? 'auto', ERAS);
  const logLevel = oneOf('--log-level', values['log-level'] ?? 'info', LOG_LEVELS);
  const delayMs = parseDelay(values['delay-ms']);
  const baseArgs = parseJsonArgs(values.args);
  const repeat = values.repeat === undefined ? 1 : parseWhole('--repeat', values.repeat, 1, 1000, 'calls');
  const pauseMs =
    values['pause-ms'] === undefined
      ? 1000
      : parseWhole('--pause-ms', values['pause-ms'], 0, 3_600_000, 'milliseconds');
  if (values.ca === '') throw new UsageError('--ca: empty path');

  const [tool, ...rest] = positionals;
  if (tool === undefined || tool === '')
    throw new UsageError('missing TOOL, e.g. beacon call --url URL process_items a b c');
  const classic = values.classic ?? false;
  if (classic) checkClassic(tool, values.era, auth);

  return {
    kind: 'call',
    options: {
      url,
      auth,
      headers,
      caFile: values.ca,
      era,
      classic,
      json: values.json ?? false,
      logLevel,
      delayMs,
      repeat,
      pauseMs,
      baseArgs,
      tool,
      items: parseItems(values.file, rest),
    },
  };
}

function parseOnly(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: 'string' },
      ...CREDENTIAL_OPTIONS,
      header: { type: 'string', multiple: true },
      ca: { type: 'string' },
      era: { type: 'string' },
      classic: { type: 'boolean' },
      json: { type: 'boolean' },
      'log-level': { type: 'string' },
      file: { type: 'string' },
      'delay-ms': { type: 'string' },
      repeat: { type: 'string' },
      'pause-ms': { type: 'string' },
      args: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
