import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { describe, it } from 'node:test';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
} from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startBeacon } from '../helpers/beacon-process.js';

async function connect(url: string) {
  const client = new Client({ name: 'shutdown-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** A 2026-07-28 client: stateless, so each call is a new request to the server. */
async function connectModern(url: string) {
  const client = new ClientV2(
    { name: 'shutdown-test', version: '1.0.0' },
    { versionNegotiation: { mode: 'auto' } },
  );
  await client.connect(new TransportV2(new URL(url)));
  return client;
}

/** The error a new TCP connection to 127.0.0.1:port meets, or undefined when it is accepted. */
function connectionError(port: number): Promise<string | undefined> {
  return new Promise((done) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(undefined);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code));
  });
}

const DELAY_MS = 2000;

describe('graceful shutdown', () => {
  it('on SIGTERM: /readyz 503 at once, new calls served for SHUTDOWN_DELAY_MS, then no new connections while the running call finishes', async () => {
    const beacon = await startBeacon({
      env: { SHUTDOWN_DELAY_MS: String(DELAY_MS), SHUTDOWN_GRACE_MS: '20000' },
    });
    const client = await connect(beacon.mcpUrl);
    let exit: Promise<number | null> | undefined;
    let signalledAt = 0;
    // Longer than the delay, so it is still running when the listener closes.
    const running = client.callTool(
      {
        name: 'process_items',
        arguments: { items: Array.from({ length: 10 }, (_, i) => `r${i}`), delayMs: 400 },
      },
      undefined,
      {
        onprogress: () => {
          if (exit) return;
          signalledAt = performance.now();
          exit = beacon.stop('SIGTERM');
        },
      },
    );
    await beacon.waitForLog((e) => e.msg === 'draining');

    // Within the delay: out of rotation, yet a new connection and a new call are served.
    const readyz = await fetch(`${beacon.origin}/readyz`);
    assert.equal(readyz.status, 503);
    assert.deepEqual(await readyz.json(), { status: 'draining' });
    const modern = await connectModern(beacon.mcpUrl);
    const fresh = await modern.callTool({
      name: 'process_items',
      arguments: { items: ['x', 'y'], delayMs: 10 },
    });
    assert.equal((fresh.structuredContent as { processed: number }).processed, 2, 'served during the delay');
    assert.ok(
      beacon.lines.every((l) => !l.includes('stopped accepting connections')),
      'the delay was not over yet when the new call was served',
    );

    // After the delay: the listener is closed, the running call still finishes.
    await beacon.waitForLog((e) => e.msg === 'stopped accepting connections', DELAY_MS + 10_000);
    assert.ok(performance.now() - signalledAt >= DELAY_MS * 0.9, 'kept serving for SHUTDOWN_DELAY_MS');
    assert.equal(await connectionError(beacon.port), 'ECONNREFUSED');
    const result = await running;
    assert.equal(
      (result.structuredContent as { processed: number }).processed,
      10,
      'the call ran to the end',
    );
    assert.equal(await exit, 0);
    assert.ok(beacon.lines.some((l) => l.includes('"msg":"stopped"')));
  });

  it('closes what is still running once SHUTDOWN_GRACE_MS is over, and still exits 0', async () => {
    const beacon = await startBeacon({ env: { SHUTDOWN_GRACE_MS: '300' } });
    const client = await connect(beacon.mcpUrl);
    const started = performance.now();
    let exit: Promise<number | null> | undefined;
    const call = client.callTool(
      {
        name: 'process_items',
        arguments: { items: Array.from({ length: 50 }, (_, i) => `i${i}`), delayMs: 200 },
      },
      undefined,
      {
        onprogress: () => {
          exit ??= beacon.stop('SIGTERM');
        },
      },
    );
    const result = await call;
    assert.equal(result.isError, true, 'the stopped call gets a definite error result');
    assert.match(JSON.stringify(result.content), /shutting down/);
    assert.equal(await exit, 0);
    assert.ok(performance.now() - started < 8000, 'did not wait for the whole call');
    assert.ok(beacon.lines.some((l) => l.includes('grace period over; stopping remaining calls')));
  });
});
