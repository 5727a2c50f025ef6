import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import helmet from 'helmet';
import { securityHeaders } from '../../../../src/server/security/security-headers.js';
import { serveApp } from '../observability/app-harness.js';

/** Every header of an answer but those that differ between any two responses. */
async function headersOf(base: string): Promise<Record<string, string>> {
  const res = await fetch(`${base}/mcp`);
  await res.text();
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    headers[name] = value;
  });
  delete headers.date;
  delete headers.etag;
  return headers;
}

describe('securityHeaders', { timeout: 30_000 }, () => {
  let precomputed: Awaited<ReturnType<typeof serveApp>>;
  let perRequest: Awaited<ReturnType<typeof serveApp>>;
  before(async () => {
    const route = (a: Parameters<Parameters<typeof serveApp>[0]>[0]) =>
      a.get('/mcp', (_req, res) => res.json({ ok: true }));
    precomputed = await serveApp((a) => {
      a.use(securityHeaders());
      route(a);
    });
    perRequest = await serveApp((a) => {
      a.use(helmet());
      route(a);
    });
  });
  after(() => {
    precomputed.close();
    perRequest.close();
  });

  it('answers with exactly the headers helmet sets per request', async () => {
    const ours = await headersOf(precomputed.base);
    assert.deepEqual(ours, await headersOf(perRequest.base));
    assert.match(ours['content-security-policy'] ?? '', /default-src 'self'/);
    assert.equal(ours['x-content-type-options'], 'nosniff');
    assert.equal(ours['x-powered-by'], undefined);
  });

  it('sets them on every response, not only the first', async () => {
    await headersOf(precomputed.base);
    const second = await headersOf(precomputed.base);
    assert.match(second['strict-transport-security'] ?? '', /max-age=\d+/);
  });
});
