import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  Client,
  type FetchLike,
  LOG_LEVEL_META_KEY,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { DEV_API_KEY, DEV_CLIENT, type Stack, startStack } from '../../scripts/stack/stack.js';
import { fetchTrustingCa } from '../../src/client/tls-fetch.js';
import { runBeaconCli } from '../helpers/beacon-cli.js';
import { requireBinary } from '../helpers/metrics.js';

/**
 * The deployment as users run it, minus the containers: real Caddy terminating real TLS (its
 * internal CA) in front of `beacon serve` and `beacon auth-server`, all from the repository's
 * Caddyfile. Everything here goes through https://localhost:<port>, never to Beacon directly.
 */

const ITEMS = ['alpha', 'bravo', 'charlie', 'delta'];
const DELAY_MS = 300;
const AUTH = { Authorization: `Bearer ${DEV_API_KEY}` };

/** Emitted DELAY_MS apart: batched by a buffering proxy they would land within a few ms. */
function assertSpread(arrivals: number[], what: string) {
  assert.equal(arrivals.length, ITEMS.length, `${what}: one progress per item`);
  const first = arrivals[0] ?? 0;
  const last = arrivals.at(-1) ?? 0;
  assert.ok(
    last - first >= DELAY_MS * (ITEMS.length - 1) * 0.5,
    `${what}: notifications arrived within ${Math.round(last - first)} ms of each other (batched?)`,
  );
}

describe('through Caddy with TLS (native stack, same Caddyfile as compose)', () => {
  let stack: Stack;
  let dir: string;
  let tlsFetch: FetchLike;

  before(async () => {
    requireBinary('caddy', 'caddy');
    dir = await mkdtemp(join(tmpdir(), 'beacon-stack-'));
    stack = await startStack({ dir });
    tlsFetch = await fetchTrustingCa(stack.caPem);
  });
  after(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    tlsFetch(new URL(path, stack.mcpUrl), { headers });

  /** An SDK v1 client (2025-11-25 session) through Caddy, trusting its CA, with the dev key. */
  const connectV1 = async (name: string) => {
    const client = new ClientV1({ name, version: '1.0.0' });
    const transport = new TransportV1(new URL(stack.mcpUrl), {
      fetch: tlsFetch,
      requestInit: { headers: AUTH },
    });
    await client.connect(transport);
    return { client, transport };
  };

  /** An SDK v2 client negotiating 2026-07-28 through Caddy, trusting its CA, with the dev key. */
  const connectV2 = async (name: string) => {
    const client = new Client({ name, version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(stack.mcpUrl), {
        fetch: tlsFetch,
        requestInit: { headers: AUTH },
      }),
    );
    return client;
  };

  /** `beacon call --json` through Caddy with these credentials; its NDJSON lines. */
  const streamedCall = async (credentials: string[]) => {
    const { code, stdout, stderr } = await runBeaconCli([
      'call',
      '--url',
      stack.mcpUrl,
      '--ca',
      stack.caFile,
      ...credentials,
      '--json',
      '--delay-ms',
      String(DELAY_MS),
      'process_items',
      ...ITEMS,
    ]);
    assert.equal(code, 0, stderr);
    return stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; ts: string });
  };

  it('beacon call streams over HTTPS with an API key, trusting only --ca for Caddy', async () => {
    const lines = await streamedCall(['--api-key', DEV_API_KEY]);
    const progress = lines.filter((l) => l.type === 'progress').map((l) => Date.parse(l.ts));
    assertSpread(progress, 'beacon call');
    assert.equal(lines.at(-1)?.type, 'result');
  });

  it('without --ca the same call fails on the untrusted certificate (exit 3)', async () => {
    const { code, stderr } = await runBeaconCli([
      'call',
      '--url',
      stack.mcpUrl,
      '--api-key',
      DEV_API_KEY,
      'process_items',
      'a',
    ]);
    assert.equal(code, 3);
    assert.match(stderr, /certificate/i);
  });

  it('SDK v2 client (2026-07-28): notifications arrive spread over time, not batched', async () => {
    const client = await connectV2('v2-through-caddy');
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    const arrivals: number[] = [];
    const result = await client.callTool(
      {
        name: 'process_items',
        arguments: { items: ITEMS, delayMs: DELAY_MS },
        _meta: { [LOG_LEVEL_META_KEY]: 'info' },
      },
      { onprogress: () => arrivals.push(performance.now()) },
    );
    assertSpread(arrivals, 'SDK v2');
    assert.equal((result.structuredContent as { processed: number }).processed, ITEMS.length);
    await client.close();
  });

  it('SDK v1 client (2025-11-25 session): notifications arrive spread over time, not batched', async () => {
    const { client, transport } = await connectV1('v1-through-caddy');
    assert.ok(transport.sessionId, 'a 2025-era session through the proxy');
    const arrivals: number[] = [];
    await client.callTool(
      { name: 'process_items', arguments: { items: ITEMS, delayMs: DELAY_MS } },
      undefined,
      {
        onprogress: () => arrivals.push(performance.now()),
      },
    );
    assertSpread(arrivals, 'SDK v1');
    await transport.terminateSession();
    await client.close();
  });

  it('plain chunked streaming (/classic) is flushed line by line too', async () => {
    const res = await tlsFetch(new URL('/classic/process', stack.mcpUrl), {
      method: 'POST',
      headers: { ...AUTH, 'Content-Type': 'application/json' },
      body: JSON.stringify({ items: ITEMS, delayMs: DELAY_MS }),
    });
    assert.equal(res.status, 200);
    const arrivals: number[] = [];
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      const lines = text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string });
      while (arrivals.length < lines.filter((l) => l.type === 'item').length)
        arrivals.push(performance.now());
    }
    assertSpread(arrivals, '/classic');
  });

  it('cancelling through the proxy stops the tool: closing a 2026-07-28 stream', async () => {
    const client = await connectV2('v2-cancel');
    const mark = stack.server.lines.length;
    const controller = new AbortController();
    let seen = 0;
    const call = client.callTool(
      {
        name: 'process_items',
        arguments: { items: Array.from({ length: 40 }, (_, i) => `i${i}`), delayMs: 100 },
      },
      {
        signal: controller.signal,
        onprogress: () => {
          seen += 1;
          if (seen === 2) controller.abort('stop');
        },
      },
    );
    await assert.rejects(call);
    const end = await stack.server.waitForLog((e) => e.msg === 'tool call ended', 15_000, mark);
    assert.equal(end.outcome, 'cancelled', 'Caddy passed the client going away on to Beacon');
    assert.ok(Number(end.items_reported) < 40);
    await client.close();
  });

  it('cancelling through the proxy stops the tool: notifications/cancelled in a 2025 session', async () => {
    const { client } = await connectV1('v1-cancel');
    const mark = stack.server.lines.length;
    const controller = new AbortController();
    let seen = 0;
    const call = client.callTool(
      {
        name: 'process_items',
        arguments: { items: Array.from({ length: 40 }, (_, i) => `i${i}`), delayMs: 100 },
      },
      undefined,
      {
        signal: controller.signal,
        onprogress: () => {
          seen += 1;
          if (seen === 2) controller.abort('stop');
        },
      },
    );
    await assert.rejects(call);
    const end = await stack.server.waitForLog((e) => e.msg === 'tool call ended', 15_000, mark);
    assert.equal(end.outcome, 'cancelled');
    await client.close();
  });

  it('/metrics and unknown paths are 404 at Caddy, with a JSON-RPC body', async () => {
    for (const path of ['/metrics', '/nope', '/mcp-not', '/.env']) {
      const res = await get(path, AUTH);
      assert.equal(res.status, 404, path);
      const body = (await res.json()) as { error: { code: number } };
      assert.equal(body.error.code, -32601, path);
    }
  });

  it('HSTS and nosniff reach the client; the Server header does not', async () => {
    for (const res of [await get('/healthz'), await get('/nope')]) {
      assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=\d+/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('server'), null);
      await res.body?.cancel();
    }
  });

  it('a foreign Origin gets 403 through Caddy, while the public origin is accepted', async () => {
    const ping = (origin: string) =>
      tlsFetch(stack.mcpUrl, {
        method: 'POST',
        headers: {
          ...AUTH,
          Origin: origin,
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          'MCP-Protocol-Version': '2026-07-28',
          'Mcp-Method': 'server/discover',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'server/discover',
          params: {
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientCapabilities': {},
              'io.modelcontextprotocol/clientInfo': { name: 'origin-test', version: '1.0.0' },
            },
          },
        }),
      });
    const foreign = await ping('https://evil.example');
    assert.equal(foreign.status, 403);
    await foreign.body?.cancel();
    const own = await ping(new URL(stack.mcpUrl).origin);
    assert.equal(own.status, 200, await own.text());
  });

  it('the protected-resource metadata names the public URL and the public issuer', async () => {
    const res = await get('/.well-known/oauth-protected-resource/mcp');
    assert.equal(res.status, 200);
    const metadata = (await res.json()) as { resource: string; authorization_servers: string[] };
    assert.equal(metadata.resource, stack.mcpUrl);
    assert.deepEqual(metadata.authorization_servers, [stack.issuer]);
  });

  it('beacon doctor finds every check ok through Caddy, with an API key and with client credentials', async () => {
    for (const auth of [
      ['--api-key', DEV_API_KEY],
      ['--oauth-client-credentials', '--client-id', DEV_CLIENT.id, '--client-secret', DEV_CLIENT.secret],
    ]) {
      const { code, stdout } = await runBeaconCli([
        'doctor',
        '--url',
        stack.mcpUrl,
        '--ca',
        stack.caFile,
        ...auth,
      ]);
      assert.equal(code, 0, stdout);
      for (const check of [
        'TLS',
        'auth challenge',
        'resource metadata',
        'authorization server',
        'credentials',
        'eras',
        'CORS',
        'proxy buffering',
      ]) {
        assert.match(stdout, new RegExp(`^ok\\s+${check}\\s`, 'm'), `${check} in\n${stdout}`);
      }
      assert.match(stdout, /^ok\s+eras\s+served: 2026-07-28, 2025-11-25/m);
    }
  });

  it('client credentials through Caddy: token from the auth server behind Caddy, then the call', async () => {
    const lines = await streamedCall([
      '--oauth-client-credentials',
      '--client-id',
      DEV_CLIENT.id,
      '--client-secret',
      DEV_CLIENT.secret,
    ]);
    const progress = lines.filter((l) => l.type === 'progress').map((l) => Date.parse(l.ts));
    assertSpread(progress, 'client credentials');
    assert.equal(lines.at(-1)?.type, 'result');
  });
});
