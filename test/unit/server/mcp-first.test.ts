import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { createHttpServer } from '../../../src/server/http-server.js';
import { mcpFirst } from '../../../src/server/mcp-first.js';

const TIMEOUTS = { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 65_000 };

describe('mcpFirst', () => {
  const seen: string[] = [];
  let base = '';
  let close = () => {};

  before(async () => {
    const app = express();
    const mark =
      (name: string): RequestHandler =>
      (_req, _res, next) => {
        seen.push(name);
        next();
      };
    const endpoint: RequestHandler = async (req, res, next) => {
      const fail = req.headers['x-fail'];
      if (fail === 'throw') throw new Error('thrown');
      if (fail === 'reject') return Promise.reject(new Error('rejected'));
      if (fail === 'next') return next(new Error('passed on'));
      if (fail === 'skip') return next();
      res.json({
        via: res.locals.byApp === true ? 'app' : 'chain',
        route: req.route?.path,
        ownRefs: req.res === res && res.req === req && req.next !== undefined,
        locals: typeof res.locals,
        originalUrl: req.originalUrl,
        host: req.get('host') !== undefined,
      });
    };
    const notFound: RequestHandler = (_req, res) => {
      res.status(404).json({ via: 'notFound' });
    };
    const errors = [
      (error: Error, _req: Request, _res: Response, next: NextFunction) => {
        seen.push(`error:${error.message}`);
        next(error);
      },
      (error: Error, _req: Request, res: Response, _next: NextFunction) => {
        res.status(500).json({ via: 'last', error: error.message });
      },
    ];
    const layers = [mark('first'), mark('second'), endpoint];
    app.use((_req, res, next) => {
      res.locals.byApp = true;
      next();
    });
    app.use(layers.slice(0, 2));
    app.all('/mcp', endpoint);
    app.use((_req, res) => {
      res.status(404).json({ via: 'app' });
    });
    const server = createHttpServer(app, TIMEOUTS, mcpFirst(app, { layers, notFound, errors }));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  after(() => close());

  const get = async (path: string, headers: Record<string, string> = {}) => {
    seen.length = 0;
    const answer = await fetch(`${base}${path}`, { headers });
    return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
  };

  it('runs /mcp through its layers in order, set up as express would', async () => {
    const { status, body } = await get('/mcp?x=1');
    assert.equal(status, 200);
    assert.deepEqual(body, {
      via: 'chain',
      route: '/mcp',
      ownRefs: true,
      locals: 'object',
      originalUrl: '/mcp?x=1',
      host: true,
    });
    assert.deepEqual(seen, ['first', 'second']);
  });

  it('leaves every other target to the app, lookalikes of /mcp included', async () => {
    for (const path of ['/other', '/MCP', '/mcp/', '/mcpx', '/mcp/x']) {
      const { body } = await get(path);
      assert.equal(body.via, 'app', path);
    }
  });

  it('answers a target the router finds no path in through the not-found handler, not HTML', async () => {
    // fetch would normalise the target, so the request line is sent as it is.
    const { port } = new URL(base);
    const answer = await new Promise<{ status?: number; type?: string; body: string }>((resolve, reject) => {
      const sent = request({ host: '127.0.0.1', port, path: '//#@!', method: 'GET' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], body }));
      });
      sent.on('error', reject);
      sent.end();
    });
    assert.equal(answer.status, 404);
    assert.match(answer.type ?? '', /^application\/json/);
    assert.deepEqual(JSON.parse(answer.body), { via: 'notFound' });
  });

  it('hands a thrown error, a rejected promise and next(error) to the error handlers in order', async () => {
    for (const [fail, message] of [
      ['throw', 'thrown'],
      ['reject', 'rejected'],
      ['next', 'passed on'],
    ]) {
      const { status, body } = await get('/mcp', { 'x-fail': fail as string });
      assert.equal(status, 500, fail);
      assert.deepEqual(body, { via: 'last', error: message });
      assert.deepEqual(seen, ['first', 'second', `error:${message}`]);
    }
  });

  it('answers 404 through the not-found handler when the last layer passes the request on', async () => {
    const { status, body } = await get('/mcp', { 'x-fail': 'skip' });
    assert.equal(status, 404);
    assert.equal(body.via, 'notFound');
  });
});
