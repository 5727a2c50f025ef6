import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../../src/config.js';
import type { McpLayerName } from '../../../src/server/mcp-layer-names.js';
import { type RunningServer, serve } from '../../../src/server/serve.js';
import { modernRequest, post } from '../../helpers/raw-mcp.js';

/** A server on a free loopback port, quiet, with these `/mcp` layers left out. */
async function start(withoutLayers?: ReadonlySet<McpLayerName>): Promise<RunningServer> {
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    AUTH_MODE: 'none',
    LOG_LEVEL: 'silent',
    SHUTDOWN_DELAY_MS: '0',
    METRICS_PORT: '0',
  });
  return serve(config, { withoutLayers });
}

async function headersOf(url: string, init?: RequestInit): Promise<Headers> {
  const res = await fetch(url, init);
  await res.body?.cancel();
  assert.equal(res.status, 200, `${url}: ${res.status}`);
  return res.headers;
}

async function mcpHeaders(server: RunningServer): Promise<Headers> {
  const { body, headers } = modernRequest('tools/list');
  const res = await post(`${server.url}/mcp`, body, headers);
  await res.body?.cancel();
  assert.equal(res.status, 200);
  return res.headers;
}

// The bench leaves layers out to measure what each costs (`npm run bench:ab -- --targets=layers`).
describe('serve', () => {
  let full: RunningServer;
  let lean: RunningServer;
  before(async () => {
    full = await start();
    lean = await start(new Set(['security-headers', 'request-log']));
  });
  after(() => Promise.all([full.close(), lean.close()]));

  it('loads no Redis client and no Redis limiter without REDIS_URL', () => {
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((path) =>
      /node_modules\/(@redis|redis|rate-limiter-flexible)\//.test(path),
    );
    assert.deepEqual(loaded, []);
  });

  it('runs every /mcp layer when none is left out', async () => {
    const headers = await mcpHeaders(full);
    assert.equal(headers.get('x-content-type-options'), 'nosniff');
    assert.match(headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('leaves the named layers out of /mcp only; other paths keep them', async () => {
    const headers = await mcpHeaders(lean);
    assert.equal(headers.get('x-content-type-options'), null);
    assert.equal(headers.get('x-request-id'), null);
    const health = await headersOf(`${lean.url}/healthz`);
    assert.equal(health.get('x-content-type-options'), 'nosniff');
    assert.match(health.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
});
