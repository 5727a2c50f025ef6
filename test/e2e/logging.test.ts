import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { sessionHash } from '../../src/server/observability/log-context.js';
import { type BeaconProcess, startBeacon } from '../helpers/beacon-process.js';
import { modernRequest, post } from '../helpers/raw-mcp.js';

const SECRET_BEARER = 'sekrit-bearer-4f0c1d9a7e';
const SECRET_API_KEY = 'sekrit-apikey-b3e8a61c52';
const SECRET_COOKIE = 'sekrit-cookie-77d2e0';
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const TRACEPARENT = `00-${TRACE_ID}-b7ad6b7169203331-01`;
const META_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const META_TRACEPARENT = `00-${META_TRACE_ID}-00f067aa0ba902b7-01`;

type Entry = Record<string, unknown> & { req?: { id?: string; method?: string; path?: string } };

describe('structured logs', () => {
  let beacon: BeaconProcess;
  const entries = () => beacon.lines.map((line) => JSON.parse(line) as Entry);
  before(async () => {
    beacon = await startBeacon({ env: { LOG_LEVEL: 'trace' } });
  });
  after(() => beacon.stop());

  it('echoes a well-formed X-Request-Id and logs it on the request line', async () => {
    const res = await fetch(`${beacon.origin}/healthz`, { headers: { 'X-Request-Id': 'client-req-0001' } });
    assert.equal(res.headers.get('x-request-id'), 'client-req-0001');
    const line = await beacon.waitForLog(
      (e) => e.msg === 'request completed' && (e as Entry).req?.id === 'client-req-0001',
    );
    assert.deepEqual(line.req, { id: 'client-req-0001', method: 'GET', path: '/healthz' });
    assert.deepEqual(line.res, { status: 200 });
    assert.equal(line.route, '/healthz');
    assert.equal(typeof line.responseTime, 'number');
  });

  it('replaces a malformed X-Request-Id with a fresh one', async () => {
    const res = await fetch(`${beacon.origin}/healthz`, {
      headers: { 'X-Request-Id': 'bad id {"level":60}' },
    });
    const id = res.headers.get('x-request-id') ?? '';
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    await beacon.waitForLog((e) => (e as Entry).req?.id === id);
    assert.ok(beacon.lines.every((line) => !line.includes('bad id')));
  });

  it('puts a traceparent header on the request line and the tool lines of a modern call', async () => {
    const { body, headers } = modernRequest('tools/call', {
      name: 'process_items',
      arguments: { items: ['one', 'two'], delayMs: 0 },
    });
    const res = await post(beacon.mcpUrl, body, {
      ...headers,
      traceparent: TRACEPARENT,
      'X-Request-Id': 'traced-1',
    });
    assert.equal(res.status, 200);
    await res.text();
    const line = await beacon.waitForLog(
      (e) => e.msg === 'request completed' && (e as Entry).req?.id === 'traced-1',
    );
    assert.equal(line.trace_id, TRACE_ID);
    assert.equal(line.span_id, 'b7ad6b7169203331');
    assert.equal(line.era, '2026-07-28');
    assert.equal(line.route, '/mcp');
    const toolLines = entries().filter(
      (e) => String(e.msg).startsWith('tool call') && e.trace_id === TRACE_ID,
    );
    // One info line per call; the start line is for debugging only.
    assert.deepEqual(
      toolLines.map((e) => [e.msg, e.level]),
      [
        ['tool call started', 20],
        ['tool call ended', 30],
      ],
    );
    assert.equal(toolLines[1]?.outcome, 'ok');
    assert.equal(toolLines[1]?.items, 2);
    assert.equal(toolLines[1]?.tool, 'process_items');
  });

  it('takes the trace from params._meta.traceparent, and logs a session only as a hash', async () => {
    const client = new Client({ name: 'logging-v1', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(beacon.mcpUrl));
    await client.connect(transport);
    const sessionId = transport.sessionId ?? '';
    assert.ok(sessionId.length > 8);
    await client.callTool({
      name: 'process_items',
      arguments: { items: ['x'], delayMs: 0 },
      _meta: { traceparent: META_TRACEPARENT },
    });
    const line = await beacon.waitForLog(
      (e) => e.msg === 'request completed' && e.trace_id === META_TRACE_ID,
    );
    assert.equal(line.era, '2025-11-25');
    assert.equal(line.session, sessionHash(sessionId), 'the same short hash on every line of the session');
    assert.ok(entries().some((e) => e.msg === 'tool call ended' && e.trace_id === META_TRACE_ID));
    await transport.terminateSession();
    await client.close();
    const raw = [sessionId, sessionId.slice(0, 8), sessionId.slice(-12)];
    assert.ok(
      beacon.lines.every((l) => raw.every((part) => !l.includes(part))),
      'neither the session id nor a piece of it is logged',
    );
  });

  it('ignores a malformed traceparent', async () => {
    await fetch(`${beacon.origin}/healthz`, {
      headers: { traceparent: '00-xyz-01', 'X-Request-Id': 'untraced-1' },
    });
    const line = await beacon.waitForLog((e) => (e as Entry).req?.id === 'untraced-1');
    assert.equal('trace_id' in line, false);
  });

  it('leaves no trace of an Authorization header, an API key or a cookie, even at trace level', async () => {
    const secrets = {
      Authorization: `Bearer ${SECRET_BEARER}`,
      'X-API-Key': SECRET_API_KEY,
      Cookie: `sid=${SECRET_COOKIE}`,
    };
    const { body, headers } = modernRequest('tools/call', {
      name: 'process_items',
      arguments: { items: ['a'], delayMs: 0 },
    });
    const res = await post(beacon.mcpUrl, body, { ...headers, ...secrets, 'X-Request-Id': 'secret-1' });
    await res.text();
    const client = new Client({ name: 'logging-secrets', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(beacon.mcpUrl), {
      requestInit: { headers: secrets },
    });
    await client.connect(transport);
    await client.callTool({ name: 'process_items', arguments: { items: ['b'], delayMs: 0 } });
    await transport.terminateSession();
    await client.close();
    await beacon.waitForLog((e) => (e as Entry).req?.id === 'secret-1');
    const everything = beacon.lines.join('\n') + beacon.stderr();
    for (const secret of [SECRET_BEARER, SECRET_API_KEY, SECRET_COOKIE]) {
      assert.equal(everything.includes(secret), false, `${secret.slice(0, 13)}… appears in the output`);
    }
  });

  it('writes nothing but JSON lines on stdout', () => {
    assert.ok(beacon.lines.length > 20);
    for (const line of beacon.lines) {
      const entry = JSON.parse(line);
      assert.equal(typeof entry.level, 'number', line);
      assert.equal(typeof entry.msg, 'string', line);
      assert.equal(typeof entry.time, 'string', line);
    }
  });
});

describe('structured logs with API keys on', () => {
  const key = `bk_${'k'.repeat(20)}-valid-sekrit`;
  const wrongKey = `bk_${'w'.repeat(20)}-wrong-sekrit`;
  let beacon: BeaconProcess;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'beacon-keys-'));
    const file = join(dir, 'api-keys.json');
    const sha256 = createHash('sha256').update(key).digest('hex');
    writeFileSync(file, JSON.stringify([{ id: 'log-test', sha256, scopes: ['mcp:tools'] }]));
    beacon = await startBeacon({ env: { AUTH_MODE: 'apikey', API_KEYS_FILE: file, LOG_LEVEL: 'trace' } });
  });
  after(async () => {
    await beacon.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs the principal of an accepted key and neither the key nor a refused one', async () => {
    const { body, headers } = modernRequest('tools/call', {
      name: 'process_items',
      arguments: { items: ['a'], delayMs: 0 },
    });
    const ok = await post(beacon.mcpUrl, body, { ...headers, 'X-API-Key': key, 'X-Request-Id': 'keyed-1' });
    assert.equal(ok.status, 200);
    await ok.text();
    const refusedKey = await post(beacon.mcpUrl, body, { ...headers, 'X-API-Key': wrongKey });
    assert.equal(refusedKey.status, 401);
    const refusedBearer = await post(beacon.mcpUrl, body, {
      ...headers,
      Authorization: `Bearer ${wrongKey}`,
    });
    assert.equal(refusedBearer.status, 401);
    const line = await beacon.waitForLog((e) => (e as Entry).req?.id === 'keyed-1');
    assert.equal(line.principal, 'apikey:log-test');
    await beacon.waitForLog((e) => e.msg === 'request completed' && e.rejected === 'auth');
    const everything = beacon.lines.join('\n') + beacon.stderr();
    assert.equal(everything.includes(key), false, 'the accepted key is not logged');
    assert.equal(everything.includes(wrongKey), false, 'a refused key is not logged');
    assert.equal(everything.includes('sekrit'), false);
  });
});
