import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type BeaconProcess, startBeacon } from '../helpers/beacon-process.js';
import { modernRequest, post } from '../helpers/raw-mcp.js';
import { messagesOf, readSse, type SseEvent } from '../helpers/sse.js';

const HEADERS_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_MS = 5000;

/**
 * Opens a raw connection, sends `head`, then one more byte of `drip` every `everyMs`, and resolves
 * with how long the server kept the socket and what it answered.
 */
function slowClient(port: number, head: string, drip: string, everyMs: number) {
  return new Promise<{ ms: number; answer: string }>((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < drip.length && !socket.destroyed) socket.write(drip[sent++] ?? '');
    }, everyMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ ms: performance.now() - started, answer });
    });
    socket.write(head);
    setTimeout(() => reject(new Error('the server kept a slow client for 20 s')), 20_000).unref();
  });
}

describe('slow clients are dropped; long streams are not', () => {
  let beacon: BeaconProcess;
  before(async () => {
    beacon = await startBeacon({
      env: {
        HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      },
    });
  });
  after(() => beacon.stop());

  it('keeps a 60 s tool-call stream open past every read timeout, while slow clients are dropped in time', async () => {
    // 12 items 5 s apart: the stream outlives the headers and request timeouts many times over.
    const { body, headers } = modernRequest(
      'tools/call',
      {
        name: 'process_items',
        arguments: { items: Array.from({ length: 12 }, (_, i) => `item ${i}`), delayMs: 5000 },
      },
      { progressToken: 'slow-test' },
    );
    const started = performance.now();
    const stream = await post(beacon.mcpUrl, body, headers);
    assert.equal(stream.status, 200);
    const events: SseEvent[] = [];
    const streamDone = (async () => {
      for await (const event of readSse(stream.body as ReadableStream<Uint8Array>)) events.push(event);
    })();

    // Headers one byte every 500 ms: never complete, so dropped at the headers timeout.
    const head = slowClient(
      beacon.port,
      'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n',
      'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      500,
    );
    // Headers complete, body one byte every 500 ms: dropped at the request timeout.
    const bodyDrip = slowClient(
      beacon.port,
      'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n',
      '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}                                          ',
      500,
    );
    const [slowHead, slowBody] = await Promise.all([head, bodyDrip]);
    console.log(
      `slow headers dropped after ${Math.round(slowHead.ms)} ms; slow body after ${Math.round(slowBody.ms)} ms`,
    );
    assert.ok(slowHead.ms >= HEADERS_TIMEOUT_MS - 100, `dropped too early (${slowHead.ms} ms)`);
    assert.ok(slowHead.ms < HEADERS_TIMEOUT_MS + 1500, `slow headers held ${Math.round(slowHead.ms)} ms`);
    assert.match(slowHead.answer, /^HTTP\/1\.1 408/);
    assert.ok(slowBody.ms < REQUEST_TIMEOUT_MS + 1500, `slow body held ${Math.round(slowBody.ms)} ms`);

    await streamDone;
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 55_000, `the stream ended after ${Math.round(elapsed)} ms`);
    const messages = messagesOf(events);
    const progress = messages.filter((m) => m.method === 'notifications/progress');
    assert.equal(progress.length, 12);
    const result = messages.at(-1) as { result?: { structuredContent?: { processed?: number } } };
    assert.equal(result.result?.structuredContent?.processed, 12);
  });
});
