import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { noteRequestScope, sessionHash } from '../../../../src/server/observability/log-context.js';
import {
  requestIdOf,
  requestLog,
  traceRequestLog,
} from '../../../../src/server/observability/request-log.js';
import { serveApp } from './app-harness.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SESSION = '3f1c2a9e-8d4b-4f6a-9c1e-2b7d5e8f0a13';

describe('requestIdOf', () => {
  const reqWith = (id: string | undefined) => ({ headers: { 'x-request-id': id } }) as never;
  it('honours a short plain id and replaces anything else', () => {
    assert.equal(requestIdOf(reqWith('abc-123_x.y:z')), 'abc-123_x.y:z');
    for (const bad of [undefined, '', 'has space', 'line\nbreak', '{"json":1}', 'x'.repeat(129)]) {
      assert.match(requestIdOf(reqWith(bad)), /^[0-9a-f-]{36}$/, String(bad));
    }
  });
});

describe('sessionHash', () => {
  it('is short, stable, and does not contain the id', () => {
    assert.equal(sessionHash(SESSION), sessionHash(SESSION));
    assert.match(sessionHash(SESSION), /^[0-9a-f]{12}$/);
    assert.notEqual(sessionHash(SESSION), sessionHash(`${SESSION}x`));
    assert.ok(!SESSION.replaceAll('-', '').includes(sessionHash(SESSION).slice(0, 8)));
  });
});

describe('requestLog', () => {
  let app: Awaited<ReturnType<typeof serveApp>>;
  before(async () => {
    app = await serveApp((a, logger) => {
      a.use(requestLog(logger));
      a.use(express.json());
      a.use(traceRequestLog);
      a.post('/mcp', (req, res) => {
        // What the auth layer leaves behind, and what the endpoint knows about the request.
        (req as unknown as { auth: unknown }).auth = { extra: { principal: { id: 'alice' } } };
        noteRequestScope(res, { era: '2025-11-25' });
        req.log.info({ step: 'inside' }, 'handler line');
        res.set('Mcp-Session-Id', SESSION).json({ ok: true });
      });
      a.get('/plain', (_req, res) => {
        res.json({ ok: true });
      });
    });
  });
  after(() => app.close());

  const lineFor = (requestId: string) =>
    app.entries().find((e) => e.msg === 'request completed' && (e.req as { id: string }).id === requestId);

  it('echoes a well-formed X-Request-Id and logs it with method, route, status and duration', async () => {
    const res = await fetch(`${app.base}/plain?token=secret`, { headers: { 'X-Request-Id': 'req-42' } });
    assert.equal(res.headers.get('x-request-id'), 'req-42');
    const line = lineFor('req-42');
    assert.ok(line);
    assert.deepEqual(line.req, { id: 'req-42', method: 'GET', path: '/plain' });
    assert.deepEqual(line.res, { status: 200 });
    assert.equal(line.route, '/plain');
    assert.equal(typeof line.responseTime, 'number');
    assert.ok(!app.lines.join('').includes('secret'), 'the query string is not logged');
  });

  it('replaces a malformed X-Request-Id', async () => {
    const res = await fetch(`${app.base}/plain`, { headers: { 'X-Request-Id': 'evil"}{' } });
    const echoed = res.headers.get('x-request-id') ?? '';
    assert.match(echoed, /^[0-9a-f-]{36}$/);
    assert.ok(lineFor(echoed));
    assert.ok(!app.lines.join('').includes('evil'));
  });

  it('adds era, the session hash (never the id), the principal and the trace from a header', async () => {
    const res = await fetch(`${app.base}/mcp`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'req-43', traceparent: TRACEPARENT },
      body: '{}',
    });
    assert.equal(res.status, 200);
    const line = lineFor('req-43');
    assert.ok(line);
    assert.equal(line.era, '2025-11-25');
    assert.equal(line.session, sessionHash(SESSION));
    assert.equal(line.principal, 'alice');
    assert.equal(line.trace_id, TRACE_ID);
    assert.equal(line.span_id, '00f067aa0ba902b7');
    const inside = app
      .entries()
      .find((e) => e.step === 'inside' && (e.req as { id: string }).id === 'req-43');
    assert.equal(inside?.trace_id, TRACE_ID, 'lines logged while handling carry the trace too');
    assert.ok(!app.lines.join('').includes(SESSION));
  });

  it('takes the trace from params._meta.traceparent when no header carries it', async () => {
    await fetch(`${app.base}/mcp`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'req-44' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'ping',
        params: { _meta: { traceparent: TRACEPARENT } },
      }),
    });
    assert.equal(lineFor('req-44')?.trace_id, TRACE_ID);
  });

  it('ignores a malformed traceparent', async () => {
    await fetch(`${app.base}/plain`, { headers: { 'X-Request-Id': 'req-45', traceparent: '00-nope' } });
    const line = lineFor('req-45');
    assert.ok(line);
    assert.equal('trace_id' in line, false);
  });

  it('never logs credentials, even at debug', async () => {
    await fetch(`${app.base}/mcp`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: 'Bearer sekrit-bearer-value',
        'X-API-Key': 'sekrit-api-key',
        Cookie: 'sid=sekrit-cookie',
      },
      body: JSON.stringify({ token: 'sekrit-body-token' }),
    });
    assert.ok(app.lines.length > 0);
    assert.ok(!/sekrit/.test(app.lines.join('')));
  });
});
