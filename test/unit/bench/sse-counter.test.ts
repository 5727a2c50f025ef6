import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { newAgent, send } from '../../../bench/lib/http.js';
import { NotificationCounter, PROGRESS_NOTIFICATION, StampReader } from '../../../bench/lib/sse-counter.js';

const event = (message: object) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;
const progress = (n: number) =>
  event({
    jsonrpc: '2.0',
    method: 'notifications/progress',
    params: { progressToken: 1, progress: n, message: `item ${n} @t=${1_000_000 + n}` },
  });
const info = (n: number) =>
  event({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: `item ${n}` } });
/** A known stream: a priming event, 3 progress + 3 log notifications, a keep-alive comment, the result. */
const STREAM = Buffer.from(
  `id: 0\ndata: \n\n${[1, 2, 3].map((n) => info(n) + progress(n)).join('')}: keep-alive\n\n` +
    event({
      jsonrpc: '2.0',
      id: 1,
      result: { content: [{ type: 'text', text: '"method":"notifications/ in text' }] },
    }),
);

/** Splits a buffer into pieces of the given sizes, cycling through them. */
function pieces(buffer: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < buffer.length; i += 1) {
    const size = sizes[i % sizes.length] as number;
    out.push(buffer.subarray(at, at + size));
    at += size;
  }
  return out;
}

describe('bench NotificationCounter', () => {
  it('counts notifications however the stream is cut, and not the marker quoted inside a JSON string', () => {
    // 6 notifications. The result's text quotes the marker, but JSON escapes its quotes there.
    for (const sizes of [[STREAM.length], [1], [2, 3], [7], [23, 1, 5], [24], [25]]) {
      const counter = new NotificationCounter();
      for (const piece of pieces(STREAM, sizes)) counter.push(piece);
      assert.equal(counter.count, 6, `cut into ${sizes.join(',')}`);
    }
  });

  it('counts only progress with the progress marker, and push returns what each chunk completed', () => {
    const counter = new NotificationCounter(PROGRESS_NOTIFICATION);
    const completed = pieces(STREAM, [11]).map((piece) => counter.push(piece));
    assert.equal(counter.count, 3);
    assert.equal(
      completed.reduce((a, b) => a + b, 0),
      3,
    );
  });

  it('counts nothing in a stream without notifications', () => {
    const counter = new NotificationCounter();
    counter.push(Buffer.from(event({ jsonrpc: '2.0', id: 1, result: {} })));
    assert.equal(counter.count, 0);
  });
});

describe('bench StampReader', () => {
  it('reads every stamp once, never a number cut short by a chunk boundary', () => {
    for (const size of [1, 3, 9, STREAM.length]) {
      const reader = new StampReader();
      const stamps = pieces(STREAM, [size]).flatMap((piece) => reader.push(piece));
      assert.deepEqual(stamps, [1_000_001n, 1_000_002n, 1_000_003n], `chunks of ${size}`);
    }
  });
});

describe('bench SSE client against a real server', () => {
  let server: http.Server;
  let url: URL;
  before(async () => {
    server = http.createServer(async (req, res) => {
      for await (const _ of req);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Written in awkward pieces with pauses, so the client really sees several chunks.
      for (const piece of pieces(STREAM, [5, 40, 17])) {
        res.write(piece);
        await new Promise((r) => setImmediate(r));
      }
      res.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  });
  after(() => server.close());

  it('counts the notifications of a known stream and resolves when it ends', async () => {
    const endpoint = { url, headers: {} };
    const agent = newAgent(endpoint);
    const counter = new NotificationCounter(PROGRESS_NOTIFICATION);
    const answer = await send(endpoint, agent, { headers: {}, body: '{}' }, (chunk) => counter.push(chunk));
    agent.destroy();
    assert.equal(answer.status, 200);
    assert.equal(counter.count, 3);
  });
});
