import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryStore } from 'express-rate-limit';
import { failureThrottle } from '../../../../src/server/auth/brute-force.js';
import { serveApp } from '../observability/app-harness.js';

describe('failureThrottle', { timeout: 30_000 }, () => {
  const throttle = failureThrottle({ limit: 3, windowMs: 60_000, store: new MemoryStore() });
  let app: Awaited<ReturnType<typeof serveApp>>;
  before(async () => {
    app = await serveApp((a) => {
      // A stand-in for authentication: `X-Key: good` passes, anything else fails and is counted.
      a.use((req, res, next) =>
        throttle.guard(req, res, () => {
          if (req.headers['x-key'] === 'good') return next();
          throttle.failed(req);
          res.status(401).json({ jsonrpc: '2.0', error: { code: -32000, message: 'no' } });
        }),
      );
      a.get('/', (_req, res) => res.json({ ok: true }));
    });
  });
  after(() => app.close());

  const send = (key: string) => fetch(`${app.base}/`, { headers: { 'X-Key': key } });

  it('never counts good requests, however many arrive at once', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => send('good')));
    assert.deepEqual(new Set(answers.map((r) => r.status)), new Set([200]));
  });

  it('refuses with 429 and Retry-After after the limit of failures, good keys included', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await send('bad')).status);
    assert.deepEqual(statuses, [401, 401, 401]);
    const refused = await send('good');
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
  });
});

describe('failureThrottle with a store that cannot answer', { timeout: 30_000 }, () => {
  class DownStore extends MemoryStore {
    override async get(): Promise<never> {
      throw new Error('Redis is away');
    }
  }
  const throttle = failureThrottle({ limit: 1, windowMs: 60_000, store: new DownStore() });
  let app: Awaited<ReturnType<typeof serveApp>>;
  before(async () => {
    app = await serveApp((a) => {
      a.use((req, res, next) => throttle.guard(req, res, next));
      a.get('/', (_req, res) => res.json({ ok: true }));
    });
  });
  after(() => app.close());

  it('fails open', async () => {
    assert.equal((await fetch(`${app.base}/`)).status, 200);
  });
});
