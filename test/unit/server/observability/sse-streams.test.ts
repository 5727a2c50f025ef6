import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { streamsOpen } from '../../../../src/server/observability/metrics.js';
import {
  contentTypeIn,
  isEventStream,
  streamKindOf,
  trackSseStream,
  watchSseStreams,
} from '../../../../src/server/observability/sse-streams.js';

async function open(kind: 'post' | 'standalone' | 'legacy_sse') {
  return (await streamsOpen.get()).values.find((v) => v.labels.kind === kind)?.value ?? 0;
}

describe('SSE stream decisions', () => {
  it('finds the content type in every shape writeHead takes', () => {
    assert.equal(contentTypeIn({ 'content-type': 'text/event-stream' }), 'text/event-stream');
    assert.equal(contentTypeIn({ 'Content-Type': 'application/json' }), 'application/json');
    assert.equal(contentTypeIn(['Content-Type', 'text/event-stream', 'X-A', 'b']), 'text/event-stream');
    assert.equal(
      contentTypeIn([
        ['x-a', 'b'],
        ['content-type', 'text/event-stream'],
      ]),
      'text/event-stream',
    );
    assert.equal(contentTypeIn(undefined), undefined);
    assert.equal(contentTypeIn({ 'x-a': 'b' }), undefined);
  });

  it('recognises text/event-stream with or without parameters', () => {
    assert.ok(isEventStream('text/event-stream'));
    assert.ok(isEventStream('Text/Event-Stream; charset=utf-8'));
    assert.ok(!isEventStream('application/json'));
    assert.ok(!isEventStream(undefined));
  });

  it('names /mcp streams by method and leaves other routes to track themselves', () => {
    assert.equal(streamKindOf('POST', '/mcp'), 'post');
    assert.equal(streamKindOf('GET', '/mcp'), 'standalone');
    assert.equal(streamKindOf('DELETE', '/mcp'), undefined);
    assert.equal(streamKindOf('GET', '/sse'), undefined);
  });
});

describe('watchSseStreams and trackSseStream over real HTTP', () => {
  let server: Server;
  let base: string;
  const responses: ServerResponse[] = [];
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/legacy') {
        trackSseStream(res, 'legacy_sse');
        trackSseStream(res, 'legacy_sse');
      } else {
        watchSseStreams(res, () => (req.url === '/json' ? 'post' : streamKindOf(req.method, '/mcp')));
      }
      responses.push(res);
      if (req.url === '/json') res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      else if (req.url === '/implicit') {
        res.setHeader('Content-Type', 'text/event-stream');
        res.write(': open\n\n');
      } else res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': open\n\n');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  async function openStream(path: string, method = 'GET') {
    const controller = new AbortController();
    const res = await fetch(`${base}${path}`, { method, signal: controller.signal });
    assert.equal(res.status, 200);
    return controller;
  }

  async function until(kind: 'post' | 'standalone' | 'legacy_sse', value: number) {
    for (let i = 0; i < 100 && (await open(kind)) !== value; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await open(kind), value);
  }

  it('counts a stream from its headers until the client closes it', async () => {
    const post = await openStream('/mcp', 'POST');
    const get = await openStream('/implicit');
    await until('post', 1);
    await until('standalone', 1);
    post.abort();
    get.abort();
    await until('post', 0);
    await until('standalone', 0);
  });

  it('does not count a JSON response', async () => {
    const res = await fetch(`${base}/json`);
    assert.equal(await res.text(), '{}');
    assert.equal(await open('post'), 0);
  });

  it('counts a tracked stream once however often it is tracked', async () => {
    const legacy = await openStream('/legacy');
    await until('legacy_sse', 1);
    legacy.abort();
    await until('legacy_sse', 0);
  });
});
