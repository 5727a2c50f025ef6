import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { adoptCallSlot, callAdmission, toolCallsIn } from '../../../../src/server/security/call-admission.js';
import { CallQuotas } from '../../../../src/server/security/call-quotas.js';
import { serveApp } from '../observability/app-harness.js';

const call = (id: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'process_items' },
});

describe('toolCallsIn', () => {
  it('counts tools/call requests in a message or a batch, and nothing else', () => {
    assert.equal(toolCallsIn(call(1)), 1);
    assert.equal(toolCallsIn([call(1), { jsonrpc: '2.0', id: 2, method: 'tools/list' }, call(3)]), 2);
    assert.equal(toolCallsIn({ jsonrpc: '2.0', method: 'tools/call' }), 0, 'a notification is no call');
    assert.equal(toolCallsIn({ jsonrpc: '2.0', id: 1, method: 'ping' }), 0);
    for (const body of [undefined, null, 'tools/call', 42, []]) assert.equal(toolCallsIn(body), 0);
  });
});

describe('callAdmission over HTTP', { timeout: 30_000 }, () => {
  const quotas = new CallQuotas({ perPrincipal: 1, total: 2 });
  let app: Awaited<ReturnType<typeof serveApp>>;
  before(async () => {
    app = await serveApp((a) => {
      a.use(express.json());
      a.use(callAdmission(quotas, (req) => String(req.headers['x-who'])));
      // Held open until the client goes, as a long call's stream would be.
      a.post('/hold', (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' }).flushHeaders();
      });
      // As HTTP+SSE does: 202 at once, the call's places kept until `/finish`.
      let adopted: (() => void) | undefined;
      a.post('/adopt', (_req, res) => {
        adopted = adoptCallSlot(res);
        assert.equal(adoptCallSlot(res), undefined, 'places are adopted once');
        res.status(202).end();
      });
      a.post('/finish', (_req, res) => {
        adopted?.();
        res.status(204).end();
      });
    });
  });
  after(() => app.close());

  const send = (path: string, who: string, body: unknown, signal?: AbortSignal) =>
    fetch(`${app.base}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Who': who },
      body: JSON.stringify(body),
      signal,
    });
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(check());
  };

  it('answers 429 for the principal over its share and 503 once the process is full, with Retry-After', async () => {
    const alice = new AbortController();
    const bob = new AbortController();
    const first = await send('/hold', 'alice', call(1), alice.signal);
    assert.equal(first.status, 200);
    const over = await send('/hold', 'alice', call(2));
    assert.equal(over.status, 429);
    assert.ok(Number(over.headers.get('retry-after')) > 0);
    const body = await over.json();
    assert.equal(body.jsonrpc, '2.0');
    assert.equal(body.error.code, -32000);
    assert.match(body.error.message, /concurrent tool calls/);
    assert.equal((await send('/hold', 'bob', call(1), bob.signal)).status, 200);
    const full = await send('/hold', 'carol', call(1));
    assert.equal(full.status, 503);
    assert.ok(Number(full.headers.get('retry-after')) > 0);
    assert.match((await full.json()).error.message, /Server busy/);

    // A client that goes away mid-stream gives its place back.
    alice.abort();
    bob.abort();
    await until(() => quotas.total === 0);
  });

  it('lets requests that are not tool calls through without counting them', async () => {
    const res = await send('/hold', 'alice', { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    assert.equal(res.status, 200);
    assert.equal(quotas.total, 0);
    await res.body?.cancel();
  });

  it('keeps adopted places past the response until the route releases them', async () => {
    assert.equal((await send('/adopt', 'dave', call(1))).status, 202);
    assert.equal(quotas.heldBy('dave'), 1, 'still held after the 202 has closed');
    assert.equal((await send('/hold', 'dave', call(2))).status, 429);
    await send('/finish', 'dave', {});
    assert.equal(quotas.heldBy('dave'), 0);
  });
});
