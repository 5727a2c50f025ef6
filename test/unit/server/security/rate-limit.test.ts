import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryStore } from 'express-rate-limit';
import { requestRateLimit } from '../../../../src/server/security/rate-limit.js';
import { serveApp } from '../observability/app-harness.js';

/** The in-memory store, noting every key it is asked to count: proof the limiter uses the store it is given. */
class RecordingStore extends MemoryStore {
  readonly keys: string[] = [];
  override async increment(key: string) {
    this.keys.push(key);
    return super.increment(key);
  }
}

describe('requestRateLimit', { timeout: 30_000 }, () => {
  const store = new RecordingStore();
  let app: Awaited<ReturnType<typeof serveApp>>;
  before(async () => {
    app = await serveApp((a) => {
      a.use(requestRateLimit({ perMinute: 3, store, keyOf: (req) => `apikey:${req.headers['x-who']}` }));
      a.post('/mcp', (_req, res) => res.json({ ok: true }));
    });
  });
  after(() => app.close());

  const send = (who: string) => fetch(`${app.base}/mcp`, { method: 'POST', headers: { 'X-Who': who } });

  it('writes the draft-8 RateLimit headers on every answer, counting down', async () => {
    const res = await send('alice');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('ratelimit') ?? '', /^"3-in-1min"; r=2; t=\d+$/);
    assert.match(res.headers.get('ratelimit-policy') ?? '', /^"3-in-1min"; q=3; w=60; pk=:[A-Za-z0-9+/=]+:$/);
    assert.doesNotMatch(res.headers.get('ratelimit-policy') ?? '', /alice/, 'the partition key is a hash');
    assert.equal(res.headers.get('x-ratelimit-limit'), null, 'no legacy headers');
    assert.equal(res.headers.get('retry-after'), null);
  });

  it('answers 429 with Retry-After and a JSON-RPC error body past the limit, for that principal only', async () => {
    await send('alice');
    await send('alice');
    const refused = await send('alice');
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.match(refused.headers.get('ratelimit') ?? '', /r=0/);
    const body = await refused.json();
    assert.deepEqual(body, {
      jsonrpc: '2.0',
      error: { code: -32000, message: 'Too many requests; retry later' },
    });
    assert.equal((await send('bob')).status, 200);
    assert.deepEqual([...new Set(store.keys)], ['apikey:alice', 'apikey:bob']);
  });
});
