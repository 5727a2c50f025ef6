import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  Client as ClientV2,
  LOG_LEVEL_META_KEY,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type BeaconProcess, startBeacon } from '../helpers/beacon-process.js';
import { metricsUrlOf, requireBinary, sampleValue, scrape } from '../helpers/metrics.js';
import {
  ACCEPT_BOTH,
  initializeRequest,
  legacyHeaders,
  modernRequest,
  openLegacySession,
  post,
} from '../helpers/raw-mcp.js';

const FIVE = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
const PROCESS_FIVE = { name: 'process_items', arguments: { items: FIVE, delayMs: 0 } };

async function connectV2(url: string) {
  const client = new ClientV2(
    { name: 'metrics-v2', version: '1.0.0' },
    { versionNegotiation: { mode: 'auto' } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

async function connectV1(url: string) {
  const client = new ClientV1({ name: 'metrics-v1', version: '1.0.0' });
  const transport = new TransportV1(new URL(url));
  await client.connect(transport);
  return { client, transport };
}

/** A request with a Host header fetch will not let us set. */
function postWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { Host: host, 'Content-Type': 'application/json', Accept: ACCEPT_BOTH } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(initializeRequest()));
  });
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Prometheus metrics', () => {
  let beacon: BeaconProcess;
  let metricsUrl: string;
  const metric = async (name: string, labels: Record<string, string> = {}) =>
    sampleValue(await scrape(metricsUrl), name, labels);

  before(async () => {
    beacon = await startBeacon({ env: { BODY_LIMIT_BYTES: '4096' } });
    metricsUrl = await metricsUrlOf(beacon);
  });
  after(() => beacon.stop());

  it('serves /metrics on its own listener only, never on the public port', async () => {
    assert.notEqual(new URL(metricsUrl).port, String(beacon.port));
    const publicRes = await fetch(`${beacon.origin}/metrics`);
    assert.equal(publicRes.status, 404);
    assert.doesNotMatch(await publicRes.text(), /beacon_/);
    const text = await scrape(metricsUrl);
    assert.match(text, /^# HELP beacon_build_info /m);
    assert.equal(sampleValue(text, 'beacon_build_info', { version: '0.1.0' }), 1);
    assert.ok(sampleValue(text, 'beacon_process_resident_memory_bytes') > 0, 'default process metrics');
    assert.equal((await fetch(metricsUrl.replace('/metrics', '/other'))).status, 404);
    assert.equal((await fetch(metricsUrl, { method: 'POST' })).status, 405);
  });

  it('counts exactly 5 progress and 5 info notifications for 5 items at info, in each era', async () => {
    const before = await scrape(metricsUrl);

    const modern = await connectV2(beacon.mcpUrl);
    assert.equal(modern.getNegotiatedProtocolVersion(), '2026-07-28');
    await modern.callTool(
      { ...PROCESS_FIVE, _meta: { [LOG_LEVEL_META_KEY]: 'info' } },
      { onprogress: () => undefined },
    );
    await modern.close();

    const legacy = await connectV1(beacon.mcpUrl);
    await legacy.client.setLoggingLevel('info');
    await legacy.client.callTool(PROCESS_FIVE, undefined, { onprogress: () => undefined });
    assert.equal(await metric('beacon_sessions_active', { era: '2025-11-25' }), 1);
    assert.ok(await metric('beacon_event_store_events'), 'the session keeps its events for resumption');
    assert.ok(await metric('beacon_event_store_bytes'));
    await legacy.transport.terminateSession();
    await legacy.client.close();

    const after = await scrape(metricsUrl);
    const delta = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    for (const era of ['2026-07-28', '2025-11-25']) {
      assert.equal(
        delta('beacon_notifications_sent_total', { type: 'progress', era }),
        5,
        `progress, ${era}`,
      );
      assert.equal(
        delta('beacon_notifications_sent_total', { type: 'message', level: 'info', era }),
        5,
        `info, ${era}`,
      );
      assert.equal(delta('beacon_notifications_sent_total', { type: 'message', level: 'debug', era }), 0);
    }
    assert.equal(
      delta('beacon_notifications_dropped_total', { reason: 'level_filtered' }),
      10,
      '5 debug each',
    );
    assert.equal(delta('beacon_tool_calls_total', { tool: 'process_items', outcome: 'ok' }), 2);
    assert.equal(delta('beacon_tool_call_duration_seconds_count', { tool: 'process_items' }), 2);
    assert.equal(delta('beacon_notification_first_seconds_count'), 2);
    assert.ok(delta('beacon_http_request_duration_seconds_count', { method: 'POST', route: '/mcp' }) >= 4);
    assert.equal(sampleValue(after, 'beacon_sessions_active', { era: '2025-11-25' }), 0);
    assert.equal(sampleValue(after, 'beacon_event_store_events'), 0, 'a closed session frees its events');
    assert.equal(sampleValue(after, 'beacon_streams_open'), 0, 'every stream closed again');
  });

  it('counts a cancelled call as cancelled', async () => {
    const before = await metric('beacon_tool_calls_total', { outcome: 'cancelled' });
    const { client, transport } = await connectV1(beacon.mcpUrl);
    const controller = new AbortController();
    const call = client.callTool(
      {
        name: 'process_items',
        arguments: { items: Array.from({ length: 30 }, (_, i) => `i${i}`), delayMs: 100 },
      },
      undefined,
      { signal: controller.signal, onprogress: () => controller.abort('stop') },
    );
    await assert.rejects(call);
    await until(
      async () => (await metric('beacon_tool_calls_total', { outcome: 'cancelled' })) === before + 1,
      'the cancelled outcome',
    );
    await transport.terminateSession();
    await client.close();
  });

  it('shows a streaming call in beacon_streams_open while it runs, and a standalone GET stream', async () => {
    const client = await connectV2(beacon.mcpUrl);
    let seen = 0;
    let sawOpen = false;
    await client.callTool(
      { name: 'process_items', arguments: { items: ['a', 'b', 'c'], delayMs: 200 } },
      {
        onprogress: () => {
          seen += 1;
          if (seen === 1)
            void metric('beacon_streams_open', { kind: 'post' }).then((v) => (sawOpen = v >= 1));
        },
      },
    );
    await client.close();
    assert.ok(sawOpen, 'the POST stream counted while open');
    await until(
      async () => (await metric('beacon_streams_open', { kind: 'post' })) === 0,
      'the post stream to close',
    );

    const sessionId = await openLegacySession(beacon.mcpUrl);
    const controller = new AbortController();
    const standalone = await fetch(beacon.mcpUrl, {
      headers: { Accept: 'text/event-stream', ...legacyHeaders(sessionId) },
      signal: controller.signal,
    });
    assert.equal(standalone.status, 200);
    assert.equal(await metric('beacon_streams_open', { kind: 'standalone' }), 1);
    controller.abort();
    await until(
      async () => (await metric('beacon_streams_open', { kind: 'standalone' })) === 0,
      'the standalone stream to close',
    );
    await fetch(beacon.mcpUrl, { method: 'DELETE', headers: legacyHeaders(sessionId) });
  });

  it('counts every refusal under its reason, once', async () => {
    const before = await scrape(metricsUrl);
    const origin = await post(beacon.mcpUrl, initializeRequest(), { Origin: 'https://evil.example' });
    assert.equal(origin.status, 403);
    assert.equal(await postWithHost(beacon.mcpUrl, 'rebind.example'), 403);
    assert.equal((await post(beacon.mcpUrl, '{"jsonrpc":')).status, 400);
    assert.equal(
      (await post(beacon.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'x', params: { pad: 'x'.repeat(8000) } }))
        .status,
      413,
    );
    assert.equal(
      (await post(beacon.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'ping' }, legacyHeaders('gone'))).status,
      404,
    );
    // Refused by the SDK transports themselves: wrong Accept (406), GET without a session (405).
    const accept = await post(beacon.mcpUrl, initializeRequest(), { Accept: 'application/json' });
    assert.equal(accept.status, 406);
    const get = await fetch(beacon.mcpUrl, { headers: { Accept: 'text/event-stream' } });
    assert.equal(get.status, 405);
    const after = await scrape(metricsUrl);
    const delta = (reason: string) =>
      sampleValue(after, 'beacon_requests_rejected_total', { reason }) -
      sampleValue(before, 'beacon_requests_rejected_total', { reason });
    assert.equal(delta('origin'), 1);
    assert.equal(delta('host'), 1);
    assert.equal(delta('body_too_large'), 1);
    assert.equal(delta('session_not_found'), 1);
    assert.equal(delta('bad_request'), 3, 'malformed JSON, the wrong Accept, GET without a session');
    // A refusal before routing still carries its route template, never a raw path.
    assert.ok(
      sampleValue(after, 'beacon_http_request_duration_seconds_count', {
        route: '/mcp',
        status_class: '4xx',
      }) >= 7,
    );
    await fetch(`${beacon.origin}/no/such/path?x=1`);
    const last = await scrape(metricsUrl);
    assert.ok(sampleValue(last, 'beacon_http_request_duration_seconds_count', { route: 'unmatched' }) >= 1);
    assert.doesNotMatch(last, /no\/such\/path/);
  });

  it('passes promtool check metrics with zero findings after the workload', () => {
    const promtool = requireBinary('promtool', 'prometheus');
    return scrape(metricsUrl).then((text) => {
      assert.match(text, /beacon_requests_rejected_total\{reason="origin"\}/);
      assert.match(text, /beacon_tool_calls_total\{tool="process_items",outcome="cancelled"\}/);
      const result = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(result.status, 0, `promtool: ${result.stdout}${result.stderr}`);
      assert.equal(`${result.stdout}${result.stderr}`.trim(), '', 'no lint findings');
    });
  });
});

describe('METRICS_TOKEN', () => {
  const token = 'metrics-token-0123456789abcdef';
  let beacon: BeaconProcess;
  let metricsUrl: string;
  before(async () => {
    beacon = await startBeacon({ env: { METRICS_TOKEN: token } });
    metricsUrl = await metricsUrlOf(beacon);
  });
  after(() => beacon.stop());

  it('answers 401 with a Bearer challenge without the token, or with a wrong one', async () => {
    const missing = await fetch(metricsUrl);
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer /);
    assert.doesNotMatch(await missing.text(), /beacon_/);
    const wrong = await fetch(metricsUrl, { headers: { Authorization: `Bearer ${token}x` } });
    assert.equal(wrong.status, 401);
    const basic = await fetch(metricsUrl, { headers: { Authorization: `Basic ${token}` } });
    assert.equal(basic.status, 401);
  });

  it('serves the metrics with the right bearer token, and never logs it', async () => {
    const text = await scrape(metricsUrl, { Authorization: `Bearer ${token}` });
    assert.match(text, /beacon_build_info/);
    assert.ok(beacon.lines.every((line) => !line.includes(token)));
  });
});

describe('authentication metrics', () => {
  const key = `bk_${'m'.repeat(24)}`;
  const listOnlyKey = `bk_${'l'.repeat(24)}`;
  let beacon: BeaconProcess;
  let metricsUrl: string;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'beacon-keys-'));
    const file = join(dir, 'api-keys.json');
    const sha256 = (k: string) => createHash('sha256').update(k).digest('hex');
    writeFileSync(
      file,
      JSON.stringify([
        { id: 'caller', sha256: sha256(key), scopes: ['mcp:tools'] },
        { id: 'lister', sha256: sha256(listOnlyKey), scopes: [] },
      ]),
    );
    beacon = await startBeacon({ env: { AUTH_MODE: 'apikey', API_KEYS_FILE: file } });
    metricsUrl = await metricsUrlOf(beacon);
  });
  after(async () => {
    await beacon.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts each authentication by kind and result, and refusals as auth or scope', async () => {
    const before = await scrape(metricsUrl);
    const { body, headers } = modernRequest('tools/call', {
      name: 'process_items',
      arguments: { items: ['a'], delayMs: 0 },
    });
    const ok = await post(beacon.mcpUrl, body, { ...headers, 'X-API-Key': key });
    assert.equal(ok.status, 200);
    await ok.text();
    assert.equal((await post(beacon.mcpUrl, body, { ...headers, 'X-API-Key': `${key}x` })).status, 401);
    assert.equal((await post(beacon.mcpUrl, body, headers)).status, 401);
    assert.equal((await post(beacon.mcpUrl, body, { ...headers, 'X-API-Key': listOnlyKey })).status, 403);
    const after = await scrape(metricsUrl);
    const delta = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    assert.equal(
      delta('beacon_auth_total', { kind: 'apikey', result: 'ok' }),
      2,
      'the caller and the lister',
    );
    assert.equal(delta('beacon_auth_total', { kind: 'apikey' }), 3, 'and one wrong key');
    assert.equal(delta('beacon_auth_total', { kind: 'none' }), 1, 'no credentials at all');
    assert.equal(delta('beacon_requests_rejected_total', { reason: 'auth' }), 2);
    assert.equal(delta('beacon_requests_rejected_total', { reason: 'scope' }), 1);
    assert.doesNotMatch(after, /caller|lister/, 'principals are never label values');
  });
});
