import type { Dispatcher } from 'undici';

/** Plain-fetch helpers that speak MCP over HTTP by hand, for tests that check the wire itself. */

export const ACCEPT_BOTH = 'application/json, text/event-stream';
export const LEGACY_VERSION = '2025-11-25';
export const MODERN_VERSION = '2026-07-28';

export function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
  dispatcher?: Dispatcher,
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    signal,
    // undici's own option, which Node's fetch honours: a test may choose its connection pool.
    ...(dispatcher ? { dispatcher } : {}),
    headers: { 'Content-Type': 'application/json', Accept: ACCEPT_BOTH, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export const initializeRequest = (id: number | string = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: {
    protocolVersion: LEGACY_VERSION,
    capabilities: {},
    clientInfo: { name: 'raw-test', version: '1.0.0' },
  },
});

/** Opens a 2025-era session by hand and returns its id. */
export async function openLegacySession(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await post(url, initializeRequest(), headers);
  if (res.status !== 200) throw new Error(`initialize answered ${res.status}: ${await res.text()}`);
  const sessionId = res.headers.get('mcp-session-id');
  if (!sessionId) throw new Error('initialize answered without Mcp-Session-Id');
  await res.body?.cancel();
  const sessionHeaders = { 'Mcp-Session-Id': sessionId, 'MCP-Protocol-Version': LEGACY_VERSION, ...headers };
  const ack = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, sessionHeaders);
  if (ack.status !== 202) throw new Error(`notifications/initialized answered ${ack.status}`);
  return sessionId;
}

export function legacyHeaders(sessionId: string): Record<string, string> {
  return { 'Mcp-Session-Id': sessionId, 'MCP-Protocol-Version': LEGACY_VERSION };
}

/** A 2026-07-28 request: the version and client facts travel in `_meta`, mirrored in headers. */
export function modernRequest(
  method: string,
  params: Record<string, unknown> = {},
  meta: Record<string, unknown> = {},
  id: number | string = 1,
) {
  const body = {
    jsonrpc: '2.0',
    id,
    method,
    params: {
      ...params,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
        'io.modelcontextprotocol/clientCapabilities': {},
        'io.modelcontextprotocol/clientInfo': { name: 'raw-test', version: '1.0.0' },
        ...meta,
      },
    },
  };
  const headers: Record<string, string> = { 'MCP-Protocol-Version': MODERN_VERSION, 'Mcp-Method': method };
  if (typeof params.name === 'string') headers['Mcp-Name'] = params.name;
  return { body, headers };
}
