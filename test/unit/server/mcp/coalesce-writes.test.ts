import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { coalesceWrites } from '../../../../src/server/mcp/coalesce-writes.js';

/** Runs `handle` on a real response and returns the body the client received. */
async function serveOnce(handle: (res: ServerResponse) => Promise<void>): Promise<string> {
  const server = createServer((_req, res) => void handle(res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return await res.text();
  } finally {
    server.close();
  }
}

describe('coalesceWrites', () => {
  it('holds the writes of one turn together and releases them at the end of that turn', async () => {
    const corkedDuring: number[] = [];
    const body = await serveOnce(async (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      coalesceWrites(res);
      res.write('data: 1\n\n');
      res.write('data: 2\n\n');
      corkedDuring.push(res.writableCorked);
      await new Promise((resolve) => process.nextTick(resolve));
      corkedDuring.push(res.writableCorked);
      res.write('data: 3\n\n');
      corkedDuring.push(res.writableCorked);
      res.end();
    });
    assert.deepEqual(corkedDuring, [1, 0, 1], 'corked within a turn, released after it, corked again');
    assert.equal(body, 'data: 1\n\ndata: 2\n\ndata: 3\n\n', 'nothing lost, order kept');
  });

  it('never delays a lone write beyond the current turn', async () => {
    let released = -1;
    await serveOnce(async (res) => {
      coalesceWrites(res);
      res.write('only');
      await new Promise((resolve) => setImmediate(resolve));
      released = res.writableCorked;
      res.end();
    });
    assert.equal(released, 0);
  });
});
