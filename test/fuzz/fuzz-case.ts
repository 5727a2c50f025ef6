/**
 * What one fuzz case is: plain data (method, path, headers, body bytes, or the raw bytes of a whole
 * request), so fast-check can print, replay and shrink it. Live values the generator cannot know
 * (a real session id, a valid key) are slots the sender fills.
 */
import fc from 'fast-check';
import { type Message, MODERN_VERSION, message } from './json-rpc.js';

/** Where a case goes: auth off with every era served, or API keys and OAuth required. */
export type Target = 'open' | 'auth';

/** Placeholders the sender replaces with the target's live values. */
export const SLOT = {
  /** `127.0.0.1:port` of the target. */
  host: '{{host}}',
  /** A live 2025-era `Mcp-Session-Id` (on the protected target, opened with the `key` below). */
  session: '{{session}}',
  /** A live HTTP+SSE session id (likewise). */
  sseSession: '{{sse-session}}',
  /** An API key with the tools scope. */
  key: '{{key}}',
  /** An API key without the tools scope. */
  listKey: '{{list-key}}',
  /** A valid OAuth access token for the target. */
  jwt: '{{jwt}}',
} as const;

export const CASE_KINDS = [
  'random-bytes',
  'truncated-json',
  'jsonrpc-shape',
  'odd-id',
  'batch',
  'deep-nesting',
  'bad-encoding',
  'headers',
  'modern',
  'legacy',
  'http-sse',
  'wrong-method',
  'raw-http',
] as const;
export type CaseKind = (typeof CASE_KINDS)[number];

export type Headers = ReadonlyArray<readonly [name: string, value: string]>;

export interface HttpRequestCase {
  transport: 'http';
  method: string;
  path: string;
  /** In order; a name may repeat. */
  headers: Headers;
  body: Uint8Array | undefined;
  /** `head`: the response may rightly be a stream that stays open (GET /sse), so read its start only. */
  read: 'body' | 'head';
}

/** A whole request as bytes, for what node:http refuses to send: bad framing, bad characters. */
export interface RawRequestCase {
  transport: 'raw';
  /** Latin-1 text, one char per byte. */
  bytes: string;
}

export interface FuzzCase {
  kind: CaseKind;
  target: Target;
  request: HttpRequestCase | RawRequestCase;
}

/** A value one time in `absentWeight + 1`, else `undefined` (fc.option's `freq` counts the other way). */
export function sometimes<T>(arbitrary: fc.Arbitrary<T>, absentWeight = 3): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: absentWeight }, arbitrary);
}

export const ACCEPT_BOTH = 'application/json, text/event-stream';
export const utf8 = (text: string) => new TextEncoder().encode(text);

const BASE64_OPEN = '=?base64?';
const BASE64_CLOSE = '?=';

/**
 * A name as a 2026-07-28 client mirrors it in `Mcp-Method` or `Mcp-Name`: as is when it is plain
 * visible ASCII, else UTF-8 in base64 between `=?base64?` and `?=` (the SDK client's encoding).
 */
export function mcpHeaderValue(value: string): string {
  const plain =
    value !== '' &&
    value === value.trim() &&
    /^[\t\x20-\x7e]*$/.test(value) &&
    !(value.startsWith(BASE64_OPEN) && value.endsWith(BASE64_CLOSE));
  return plain ? value : `${BASE64_OPEN}${Buffer.from(value).toString('base64')}${BASE64_CLOSE}`;
}

/** The headers a well-behaved POST carries, for a message of either era. */
export function postHeaders(m: Message | undefined, modern: boolean): [string, string][] {
  const headers: [string, string][] = [
    ['Content-Type', 'application/json'],
    ['Accept', ACCEPT_BOTH],
  ];
  if (!modern) return headers;
  headers.push(['MCP-Protocol-Version', MODERN_VERSION]);
  if (m?.method !== undefined) headers.push(['Mcp-Method', mcpHeaderValue(m.method)]);
  if (m?.name !== undefined) headers.push(['Mcp-Name', mcpHeaderValue(m.name)]);
  return headers;
}

export const post = (
  path: string,
  headers: Headers,
  body: string | Uint8Array | undefined,
): HttpRequestCase => ({
  transport: 'http',
  method: 'POST',
  path,
  headers,
  body: typeof body === 'string' ? utf8(body) : body,
  read: 'body',
});

export const modernMessage = message({ modern: true });
export const legacyMessage = message({ modern: false });
/** Either era's message, with the headers its era sends. */
export const anyEraPost = fc.oneof(
  modernMessage.map((m) => ({ m, headers: postHeaders(m, true) })),
  legacyMessage.map((m) => ({ m, headers: postHeaders(m, false) })),
);
