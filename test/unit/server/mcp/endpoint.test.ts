import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLegacyRequest } from '@modelcontextprotocol/server';
import type { Request } from 'express';
import { isLegacyPost } from '../../../../src/server/mcp/endpoint.js';
import { modernRequest } from '../../../helpers/raw-mcp.js';

type Headers = Record<string, string | string[]>;

const modern = modernRequest('tools/call', { name: 'process_items', arguments: { items: ['a'] } });
const initialize = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
};
const sessionCall = { jsonrpc: '2.0', id: 2, method: 'tools/list' };

/** Requests of both eras and malformed ones: the SDK's `isLegacyRequest` is the reference. */
const CASES: { name: string; headers: Headers; body: unknown }[] = [
  { name: 'legacy initialize', headers: {}, body: initialize },
  {
    name: 'session request',
    headers: { 'mcp-session-id': 's1', 'mcp-protocol-version': '2025-11-25' },
    body: sessionCall,
  },
  {
    name: 'session notification',
    headers: { 'mcp-session-id': 's1' },
    body: { jsonrpc: '2.0', method: 'notifications/initialized' },
  },
  {
    name: 'posted response',
    headers: { 'mcp-session-id': 's1' },
    body: { jsonrpc: '2.0', id: 5, result: {} },
  },
  { name: 'legacy batch', headers: {}, body: [sessionCall, sessionCall] },
  { name: 'modern request', headers: lower(modern.headers), body: modern.body },
  { name: 'modern request, no headers', headers: {}, body: modern.body },
  {
    name: 'modern header on a legacy body',
    headers: { 'mcp-protocol-version': '2026-07-28' },
    body: sessionCall,
  },
  {
    name: 'header and envelope disagree',
    headers: { 'mcp-protocol-version': '2025-11-25' },
    body: modern.body,
  },
  {
    name: 'method header disagrees',
    headers: { ...lower(modern.headers), 'mcp-method': 'tools/list' },
    body: modern.body,
  },
  {
    name: 'modern notification by header',
    headers: { 'mcp-protocol-version': '2026-07-28' },
    body: { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } },
  },
  {
    name: 'repeated header',
    headers: { 'mcp-protocol-version': ['2026-07-28', '2026-07-28'] },
    body: modern.body,
  },
  { name: 'not JSON-RPC', headers: {}, body: { hello: 'world' } },
  { name: 'a bare string', headers: {}, body: 'text' },
];

function lower(headers: Record<string, string>): Headers {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function webRequest(headers: Headers): globalThis.Request {
  const web = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    for (const item of Array.isArray(value) ? value : [value]) web.append(name, item);
  }
  return new Request('http://beacon/mcp', { method: 'POST', headers: web });
}

describe('isLegacyPost', () => {
  for (const { name, headers, body } of CASES) {
    it(`routes "${name}" exactly as the SDK's isLegacyRequest does`, async () => {
      const expected = await isLegacyRequest(webRequest(headers), body);
      assert.equal(isLegacyPost({ headers } as unknown as Request, body), expected);
    });
  }

  it('sends the 2025 handshake and session traffic to the sessionful transport, and 2026-07-28 calls to the modern handler', () => {
    const route = (headers: Headers, body: unknown) => isLegacyPost({ headers } as unknown as Request, body);
    assert.equal(route({}, initialize), true);
    assert.equal(route({ 'mcp-session-id': 's1' }, sessionCall), true);
    assert.equal(route(lower(modern.headers), modern.body), false);
  });
});
