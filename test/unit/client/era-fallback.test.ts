import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import { sseFallbackStatus } from '../../../src/client/era-fallback.js';

function httpError(status: number, text?: string): SdkHttpError {
  return new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `HTTP ${status}`, { status, text });
}

const rpcError = (code: number) => JSON.stringify({ jsonrpc: '2.0', error: { code, message: 'no' } });

describe('sseFallbackStatus: the transports spec backward-compatibility rule', () => {
  it('falls back on 400, 404 and 405 that are not modern refusals', () => {
    assert.equal(sseFallbackStatus(httpError(405, rpcError(-32000))), 405);
    assert.equal(sseFallbackStatus(httpError(404, rpcError(-32601))), 404);
    assert.equal(sseFallbackStatus(httpError(404, '<html>Not Found</html>')), 404);
    assert.equal(sseFallbackStatus(httpError(400)), 400);
  });

  it('finds the HTTP error under wrappers', () => {
    const wrapped = new Error('connect failed', { cause: new Error('inner', { cause: httpError(405) }) });
    assert.equal(sseFallbackStatus(wrapped), 405);
  });

  it('stays on Streamable HTTP when the server answered as a 2026-07-28 endpoint does', () => {
    for (const code of [-32020, -32021, -32022]) {
      assert.equal(sseFallbackStatus(httpError(400, rpcError(code))), undefined, String(code));
    }
  });

  it('never falls back on auth, server or network failures', () => {
    assert.equal(sseFallbackStatus(httpError(401)), undefined);
    assert.equal(sseFallbackStatus(httpError(403)), undefined);
    assert.equal(sseFallbackStatus(httpError(500)), undefined);
    assert.equal(sseFallbackStatus(new SdkError(SdkErrorCode.ConnectionClosed, 'closed')), undefined);
    assert.equal(sseFallbackStatus(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), undefined);
  });
});
