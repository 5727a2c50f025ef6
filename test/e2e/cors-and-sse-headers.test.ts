import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BeaconProcess, startBeacon } from '../helpers/beacon-process.js';
import { initializeRequest, legacyHeaders, openLegacySession, post } from '../helpers/raw-mcp.js';

describe('CORS', () => {
  let beacon: BeaconProcess;
  before(async () => {
    beacon = await startBeacon({ env: { CORS_ORIGINS: 'https://app.example.com' } });
  });
  after(() => beacon.stop());

  it('answers a preflight from an allowed origin and exposes the MCP headers', async () => {
    const res = await fetch(beacon.mcpUrl, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type, mcp-session-id, mcp-protocol-version',
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /Mcp-Session-Id/i);
  });

  it('lets the browser read Mcp-Session-Id, WWW-Authenticate and Mcp-Protocol-Version', async () => {
    const res = await post(beacon.mcpUrl, initializeRequest(), { Origin: 'https://app.example.com' });
    assert.equal(res.status, 200);
    const exposed = (res.headers.get('access-control-expose-headers') ?? '').toLowerCase();
    for (const name of ['mcp-session-id', 'www-authenticate', 'mcp-protocol-version']) {
      assert.ok(exposed.includes(name), `${name} is exposed`);
    }
    await res.body?.cancel();
  });

  it('still refuses an origin that is not listed, with 403 and no CORS grant', async () => {
    const res = await post(beacon.mcpUrl, initializeRequest(), { Origin: 'https://other.example.com' });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });
});

describe('CORS off by default', () => {
  let beacon: BeaconProcess;
  before(async () => {
    beacon = await startBeacon();
  });
  after(() => beacon.stop());

  it('grants no cross-origin access', async () => {
    const res = await post(beacon.mcpUrl, initializeRequest(), { Origin: 'http://localhost:5173' });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    await res.body?.cancel();
  });
});

describe('SSE responses', () => {
  let beacon: BeaconProcess;
  before(async () => {
    beacon = await startBeacon({ env: { SSE_KEEPALIVE_MS: '200' } });
  });
  after(() => beacon.stop());

  it('tell proxies not to buffer or transform, and keep an idle stream alive with comments', async () => {
    const sessionId = await openLegacySession(beacon.mcpUrl);
    const controller = new AbortController();
    const res = await fetch(beacon.mcpUrl, {
      headers: { ...legacyHeaders(sessionId), Accept: 'text/event-stream' },
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-accel-buffering'), 'no');
    assert.match(res.headers.get('cache-control') ?? '', /no-transform/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const deadline = Date.now() + 5000;
    while (!/^:/m.test(text) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    controller.abort();
    assert.match(text, /^:/m, 'a comment line arrived on the idle stream');
  });
});
