import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type BeaconProcess, startBeacon } from '../helpers/beacon-process.js';
import {
  ACCEPT_BOTH,
  initializeRequest,
  legacyHeaders,
  modernRequest,
  openLegacySession,
  post,
} from '../helpers/raw-mcp.js';

async function jsonRpcError(res: Response) {
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = await res.json();
  assert.equal(body.jsonrpc, '2.0');
  assert.equal(typeof body.error?.code, 'number');
  assert.equal(typeof body.error?.message, 'string');
  return body as { jsonrpc: string; id?: unknown; error: { code: number; message: string } };
}

describe('HTTP status codes on /mcp', () => {
  let beacon: BeaconProcess;
  before(async () => {
    beacon = await startBeacon({ env: { MAX_SESSIONS: '3', BODY_LIMIT_BYTES: '65536' } });
  });
  after(() => beacon.stop());

  it('refuses a foreign Origin with 403 and a JSON-RPC body without id', async () => {
    const res = await post(beacon.mcpUrl, initializeRequest(), { Origin: 'https://evil.example' });
    assert.equal(res.status, 403);
    const body = await jsonRpcError(res);
    assert.equal('id' in body, false);
    assert.match(body.error.message, /Origin/);
  });

  it('accepts a loopback Origin', async () => {
    const res = await post(beacon.mcpUrl, initializeRequest(), { Origin: 'http://localhost:5173' });
    assert.equal(res.status, 200);
    await res.body?.cancel();
  });

  it('advertises only the capabilities it honours: tools without listChanged, and logging', async () => {
    const res = await post(beacon.mcpUrl, initializeRequest());
    const data = (await res.text()).split('\n').find((line) => line.startsWith('data: {')) ?? '';
    const { result } = JSON.parse(data.slice(6)) as { result: { capabilities: Record<string, unknown> } };
    assert.deepEqual(result.capabilities.tools, { listChanged: false });
    assert.deepEqual(result.capabilities.logging, {});
  });

  /**
   * A request spoken by hand with node:http: fetch will not let a test set Host or send TRACE, nor
   * send the target in absolute form (which node:http does when the path is a whole URI).
   */
  function byHand(method: string, path: string, headers: Record<string, string>, body?: unknown) {
    return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
      (resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: beacon.port,
            method,
            path,
            headers: { Accept: ACCEPT_BOTH, ...headers },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (chunk: string) => {
              text += chunk;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
          },
        );
        req.on('error', reject);
        req.end(body === undefined ? undefined : JSON.stringify(body));
      },
    );
  }
  const postByHand = (path: string, headers: Record<string, string>, body: unknown) =>
    byHand('POST', path, headers, body);

  it('refuses a foreign Host with 403 (DNS rebinding)', async () => {
    const res = await postByHand(
      '/mcp',
      { Host: 'rebind.example', 'Content-Type': 'application/json' },
      initializeRequest(),
    );
    assert.equal(res.status, 403);
  });

  it('refuses a Host with userinfo with 403 and a JSON-RPC body, where the SDK handler gave 500', async () => {
    // An unparsed body (no Content-Type) sends the request on to the modern handler, which builds a URL from Host.
    const res = await postByHand(
      '/mcp',
      { Host: `user@127.0.0.1:${beacon.port}`, 'Content-Type': '' },
      initializeRequest(),
    );
    assert.equal(res.status, 403);
    const body = JSON.parse(res.body);
    assert.equal(body.jsonrpc, '2.0');
    assert.match(body.error.message, /Invalid Host header/);
  });

  it('serves an absolute-form target (POST http://host/mcp), where the SDK handler gave 500', async () => {
    const { body, headers } = modernRequest('tools/list');
    const res = await postByHand(beacon.mcpUrl, { 'Content-Type': 'application/json', ...headers }, body);
    assert.equal(res.status, 200, res.body);
    assert.match(res.body, /process_items/);
  });

  it('answers TRACE with 405 and a JSON-RPC body, where the SDK handler gave 500', async () => {
    const res = await byHand('TRACE', '/mcp', {});
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'GET, POST, DELETE');
    assert.equal(JSON.parse(res.body).jsonrpc, '2.0');
  });

  it('answers malformed JSON with 400 and -32700', async () => {
    const res = await post(beacon.mcpUrl, '{"jsonrpc": "2.0", ');
    assert.equal(res.status, 400);
    const body = await jsonRpcError(res);
    assert.equal(body.error.code, -32700);
    assert.equal(body.id, null);
  });

  it('answers an unknown session id with 404', async () => {
    const res = await post(
      beacon.mcpUrl,
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      legacyHeaders('no-such-id'),
    );
    assert.equal(res.status, 404);
    assert.equal((await jsonRpcError(res)).error.code, -32001);
  });

  it('answers a 2025-era request without a session id with 400', async () => {
    const res = await post(
      beacon.mcpUrl,
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { 'MCP-Protocol-Version': '2025-11-25' },
    );
    assert.equal(res.status, 400);
    assert.match((await jsonRpcError(res)).error.message, /Mcp-Session-Id/);
  });

  it('answers GET without a session (2026-07-28 has no GET stream) with 405', async () => {
    const res = await fetch(beacon.mcpUrl, { headers: { Accept: 'text/event-stream' } });
    assert.equal(res.status, 405);
    await jsonRpcError(res);
  });

  it('answers a wrong Accept with 406', async () => {
    const res = await post(beacon.mcpUrl, initializeRequest(), { Accept: 'text/html' });
    assert.equal(res.status, 406);
    await jsonRpcError(res);
  });

  it('answers a body over BODY_LIMIT_BYTES with 413', async () => {
    const res = await post(beacon.mcpUrl, {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'process_items', arguments: { items: ['x'.repeat(70_000)] } },
    });
    assert.equal(res.status, 413);
    await jsonRpcError(res);
  });

  it('answers a wrong content type with 415', async () => {
    const res = await fetch(beacon.mcpUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', Accept: ACCEPT_BOTH },
      body: JSON.stringify(initializeRequest()),
    });
    assert.equal(res.status, 415);
    await jsonRpcError(res);
  });

  it('answers an unknown path with a JSON 404, never an HTML page', async () => {
    const res = await fetch(`${beacon.origin}/nope`);
    assert.equal(res.status, 404);
    await jsonRpcError(res);
  });

  it('answers a 2026-07-28 request for an unknown method with 404 and -32601', async () => {
    const { body, headers } = modernRequest('no/such-method');
    const res = await post(beacon.mcpUrl, body, headers);
    assert.equal(res.status, 404);
    assert.equal((await jsonRpcError(res)).error.code, -32601);
  });

  it('answers 503 with a JSON-RPC error once MAX_SESSIONS sessions are live', async () => {
    const opened: string[] = [];
    for (;;) {
      const res = await post(beacon.mcpUrl, initializeRequest());
      if (res.status !== 200) {
        assert.equal(res.status, 503);
        assert.ok(res.headers.get('retry-after'));
        assert.match((await jsonRpcError(res)).error.message, /session limit/);
        break;
      }
      opened.push(res.headers.get('mcp-session-id') ?? '');
      await res.body?.cancel();
      assert.ok(opened.length <= 3, 'more sessions opened than MAX_SESSIONS allows');
    }
    // Ending a session frees a place.
    for (const id of opened) {
      const res = await fetch(beacon.mcpUrl, { method: 'DELETE', headers: legacyHeaders(id) });
      assert.equal(res.status, 200);
    }
    const again = await openLegacySession(beacon.mcpUrl);
    assert.ok(again);
  });
});
