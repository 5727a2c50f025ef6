import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import {
  streamKindOf,
  streamPlacesHeld,
  watchSseStreams,
} from '../../../../src/server/observability/sse-streams.js';
import { opensStream, streamAdmission } from '../../../../src/server/security/stream-admission.js';
import { serveApp } from '../observability/app-harness.js';

const request = { jsonrpc: '2.0', id: 1, method: 'tools/call' };
const notification = { jsonrpc: '2.0', method: 'notifications/initialized' };

describe('opensStream', () => {
  const req = (method: string, path: string, body?: unknown, session?: string) => ({
    method,
    path,
    body,
    headers: session ? { 'mcp-session-id': session } : {},
  });

  it('names the requests that may be answered with an SSE stream', () => {
    assert.ok(opensStream(req('GET', '/mcp', undefined, 's1')), 'a session GET: standalone stream or resume');
    assert.ok(opensStream(req('GET', '/sse')), 'the 2024-11-05 stream');
    assert.ok(opensStream(req('POST', '/mcp', request)));
    assert.ok(opensStream(req('POST', '/mcp', [notification, request])), 'a batch with a request in it');
  });

  it('leaves everything else alone', () => {
    assert.ok(!opensStream(req('GET', '/mcp')), 'no session: the modern era answers 405');
    assert.ok(!opensStream(req('POST', '/mcp', notification)), 'a notification gets 202');
    assert.ok(
      !opensStream(req('POST', '/mcp', { jsonrpc: '2.0', id: 1, result: {} })),
      'a response gets 202',
    );
    assert.ok(!opensStream(req('POST', '/mcp', [notification])));
    assert.ok(!opensStream(req('POST', '/messages', request)), 'HTTP+SSE answers on its open stream');
    assert.ok(!opensStream(req('DELETE', '/mcp', undefined, 's1')));
    assert.ok(!opensStream(req('GET', '/healthz')));
    assert.ok(!opensStream(req('POST', '/mcp', undefined)));
  });
});

describe('streamAdmission over HTTP', { timeout: 30_000 }, () => {
  let app: Awaited<ReturnType<typeof serveApp>>;
  let heldWhileAnsweringJson = -1;
  before(async () => {
    app = await serveApp((a) => {
      a.use((req, res, next) => {
        watchSseStreams(res, () => streamKindOf(req.method, req.path));
        next();
      });
      a.use(express.json());
      a.use(streamAdmission(2));
      const stream = (_req: express.Request, res: express.Response) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' }).flushHeaders();
      };
      a.get('/mcp', stream);
      a.post('/mcp', (req, res) => {
        if (req.body.method === 'ping') {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          heldWhileAnsweringJson = streamPlacesHeld();
          return res.end(JSON.stringify({ jsonrpc: '2.0', id: req.body.id, result: {} }));
        }
        if (req.body.id === undefined) return res.status(202).end();
        stream(req, res);
      });
    });
  });
  after(() => app.close());

  const get = (signal?: AbortSignal) =>
    fetch(`${app.base}/mcp`, { headers: { 'Mcp-Session-Id': 's1' }, signal });
  const post = (body: unknown, signal?: AbortSignal) =>
    fetch(`${app.base}/mcp`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(check());
  };

  it('refuses a new stream with 503 and Retry-After once the limit is open, and admits again when one closes', async () => {
    assert.equal(streamPlacesHeld(), 0);
    const first = new AbortController();
    const second = new AbortController();
    assert.equal((await get(first.signal)).status, 200);
    assert.equal((await post(request, second.signal)).status, 200);
    assert.equal(streamPlacesHeld(), 2);

    const refused = await get();
    assert.equal(refused.status, 503);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    const body = await refused.json();
    assert.equal(body.jsonrpc, '2.0');
    assert.match(body.error.message, /stream limit/);
    assert.equal((await post(request)).status, 503);
    assert.equal(
      (await post(notification)).status,
      202,
      'a notification opens no stream, so it is let through',
    );

    first.abort();
    await until(() => streamPlacesHeld() === 1);
    const again = new AbortController();
    assert.equal((await get(again.signal)).status, 200);
    second.abort();
    again.abort();
    await until(() => streamPlacesHeld() === 0);
  });

  it('gives a place back as soon as a response turns out to be plain JSON', async () => {
    const res = await post({ jsonrpc: '2.0', id: 9, method: 'ping' });
    assert.equal(res.status, 200);
    await res.json();
    assert.equal(heldWhileAnsweringJson, 0, 'released at writeHead, before the response ended');
  });
});
