import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Agent } from 'undici';
import { startBeacon } from '../helpers/beacon-process.js';
import { initializeRequest, post } from '../helpers/raw-mcp.js';

async function connect(url: string) {
  const client = new Client({ name: 'shutdown-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

const fresh = new Agent({ pipelining: 0 });

describe('graceful shutdown', () => {
  it('lets an in-flight call finish, refuses new work meanwhile, and exits 0', async () => {
    const beacon = await startBeacon({ env: { SHUTDOWN_GRACE_MS: '10000' } });
    const client = await connect(beacon.mcpUrl);
    let signalled = false;
    let exit: Promise<number | null> | undefined;
    let refused: Promise<Response> | undefined;
    const result = await client.callTool(
      { name: 'process_items', arguments: { items: ['a', 'b', 'c', 'd', 'e'], delayMs: 150 } },
      undefined,
      {
        onprogress: () => {
          if (signalled) return;
          signalled = true;
          exit = beacon.stop('SIGTERM');
          // A new session while draining is refused. On a new connection: the drain closes idle
          // pooled ones, and a request racing that close would fail before reaching the server.
          refused = post(
            beacon.mcpUrl,
            initializeRequest(),
            { 'X-Request-Id': 'while-draining' },
            undefined,
            fresh,
          );
        },
      },
    );
    assert.equal((result.structuredContent as { processed: number }).processed, 5, 'the call ran to the end');
    const refusal = await refused;
    assert.equal(refusal?.status, 503);
    assert.equal(refusal?.headers.get('retry-after'), '1');
    assert.match(JSON.stringify(await refusal?.json()), /shutting down/);
    assert.equal(await exit, 0);
    // The request line names the refusal, as every other refusal does.
    const line = beacon.lines.find((l) => l.includes('"id":"while-draining"')) ?? '';
    assert.match(line, /"rejected":"draining"/);
    assert.ok(beacon.lines.some((l) => l.includes('"msg":"draining"')));
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
