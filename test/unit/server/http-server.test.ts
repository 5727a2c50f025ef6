import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import express from 'express';
import { createHttpServer, readTimeouts } from '../../../src/server/http-server.js';

const TIMEOUTS = { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 65_000 };

describe('createHttpServer', () => {
  it("builds requests and responses with the app's prototypes, so express has nothing to reshape", async () => {
    const app = express();
    app.get('/hello', (req, res) => {
      res.json({ host: req.get('host') !== undefined, via: req.path });
    });
    const server = createHttpServer(app, TIMEOUTS);
    const born: { req: boolean; res: boolean; node: boolean }[] = [];
    server.prependListener('request', (req, res) => {
      born.push({
        req: Object.getPrototypeOf(req) === app.request,
        res: Object.getPrototypeOf(res) === app.response,
        node: req instanceof http.IncomingMessage && res instanceof http.ServerResponse,
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await fetch(`http://127.0.0.1:${port}/hello`);
      assert.equal(answer.status, 200);
      assert.deepEqual(await answer.json(), { host: true, via: '/hello' });
      assert.deepEqual(born, [{ req: true, res: true, node: true }]);
    } finally {
      server.close();
    }
  });

  it('streams a response body written in pieces, as the SSE transports do', async () => {
    const app = express();
    app.get('/stream', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      setTimeout(() => res.end('data: 2\n\n'), 20);
    });
    const server = createHttpServer(app, TIMEOUTS).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await fetch(`http://127.0.0.1:${port}/stream`);
      assert.equal(answer.headers.get('content-type'), 'text/event-stream');
      assert.equal(await answer.text(), 'data: 1\n\ndata: 2\n\n');
    } finally {
      server.close();
    }
  });

  it('applies the configured read timeouts, and checks them often enough to act on time', () => {
    const server = createHttpServer(express(), TIMEOUTS);
    assert.equal(server.headersTimeout, 10_000);
    assert.equal(server.requestTimeout, 30_000);
    assert.equal(server.keepAliveTimeout, 65_000);
    assert.equal(readTimeouts(TIMEOUTS).connectionsCheckingInterval, 1000);
    assert.equal(readTimeouts({ ...TIMEOUTS, headersMs: 1000 }).connectionsCheckingInterval, 250);
  });
});
