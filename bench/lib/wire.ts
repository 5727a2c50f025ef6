/**
 * The JSON-RPC requests the harness sends, in both protocol eras, written by hand so the client
 * does no more than a lean real client would.
 */
export const MODERN_VERSION = '2026-07-28';
export const LEGACY_VERSION = '2025-11-25';
export type Era = 'modern' | 'legacy';

export interface ToolCallArgs {
  items: string[];
  delayMs: number;
}

export interface WireRequest {
  headers: Record<string, string>;
  body: string;
}

const BASE_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const CLIENT_INFO = { name: 'beacon-bench', version: '1.0.0' };

/** A tools/call with a progress token and (modern) the info log level in `_meta`. */
export function toolCall(
  era: Era,
  id: number,
  name: string,
  args: ToolCallArgs,
  sessionId?: string,
): WireRequest {
  const meta: Record<string, unknown> = { progressToken: id };
  const headers: Record<string, string> = { ...BASE_HEADERS };
  if (era === 'modern') {
    meta['io.modelcontextprotocol/protocolVersion'] = MODERN_VERSION;
    meta['io.modelcontextprotocol/clientCapabilities'] = {};
    meta['io.modelcontextprotocol/clientInfo'] = CLIENT_INFO;
    meta['io.modelcontextprotocol/logLevel'] = 'info';
    headers['mcp-protocol-version'] = MODERN_VERSION;
    headers['mcp-method'] = 'tools/call';
    headers['mcp-name'] = name;
  } else {
    headers['mcp-protocol-version'] = LEGACY_VERSION;
    if (sessionId) headers['mcp-session-id'] = sessionId;
  }
  const body = { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: meta } };
  return { headers, body: JSON.stringify(body) };
}

export function initialize(): WireRequest {
  return {
    headers: { ...BASE_HEADERS },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: CLIENT_INFO },
    }),
  };
}

/** A request or notification on an open 2025-era session. */
export function sessionMessage(sessionId: string, message: Record<string, unknown>): WireRequest {
  return {
    headers: { ...BASE_HEADERS, 'mcp-protocol-version': LEGACY_VERSION, 'mcp-session-id': sessionId },
    body: JSON.stringify({ jsonrpc: '2.0', ...message }),
  };
}

/** `count` short, distinct items: enough text to hash, small enough that the wire dominates. */
export function itemsOf(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `bench item ${i + 1} with a few words`);
}
