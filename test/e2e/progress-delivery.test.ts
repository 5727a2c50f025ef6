import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type BeaconProcess, startBeacon } from '../helpers/beacon-process.js';

const CALLS = 100;
/** Calls run in a few concurrent lanes, each its own client and stream, to keep the test quick. */
const LANES = 4;
const REQUIRED = 99;
const ITEMS = ['alpha', 'beta', 'gamma'];

const percent = (calls: number) => `${Math.round((100 * calls) / CALLS)}%`;

/**
 * Runs CALLS `process_items` calls with no delay between items (the last progress then leaves right
 * before the result, the worst case) and counts those whose caller saw every progress, 1 to 3 of 3,
 * by the time the call settled.
 */
async function callsWithEveryProgress(newTransport: () => Transport): Promise<number> {
  let complete = 0;
  const lane = async (calls: number) => {
    const client = new Client({ name: 'sdk-v1-progress', version: '1.0.0' });
    await client.connect(newTransport());
    try {
      for (let call = 0; call < calls; call += 1) {
        const seen: string[] = [];
        const result = await client.callTool(
          { name: 'process_items', arguments: { items: ITEMS, delayMs: 0 } },
          undefined,
          { onprogress: (p) => seen.push(`${p.progress}/${p.total}`) },
        );
        assert.equal((result.structuredContent as { processed: number }).processed, ITEMS.length);
        if (seen.join() === '1/3,2/3,3/3') complete += 1;
      }
    } finally {
      await client.close();
    }
  };
  await Promise.all(Array.from({ length: LANES }, () => lane(CALLS / LANES)));
  return complete;
}

describe('every progress reaches SDK v1 clients, the last one included', () => {
  let beacon: BeaconProcess;
  before(async () => {
    beacon = await startBeacon({ env: { LEGACY_SSE: 'true', LOG_LEVEL: 'info' } });
  });
  after(() => beacon.stop());

  it(`HTTP+SSE (2024-11-05): at least ${REQUIRED} of ${CALLS} calls get progress 1, 2 and 3 of 3`, async (t) => {
    const complete = await callsWithEveryProgress(
      () => new SSEClientTransport(new URL('/sse', beacon.origin)),
    );
    t.diagnostic(`SDK v1 SSE client: every progress in ${complete} of ${CALLS} calls (${percent(complete)})`);
    assert.ok(complete >= REQUIRED, `every progress in only ${complete} of ${CALLS} calls`);
  });

  it(`Streamable HTTP (2025-11-25): at least ${REQUIRED} of ${CALLS} calls get progress 1, 2 and 3 of 3`, async (t) => {
    const complete = await callsWithEveryProgress(
      () => new StreamableHTTPClientTransport(new URL(beacon.mcpUrl)),
    );
    t.diagnostic(
      `SDK v1 Streamable HTTP client: every progress in ${complete} of ${CALLS} calls (${percent(complete)})`,
    );
    assert.ok(complete >= REQUIRED, `every progress in only ${complete} of ${CALLS} calls`);
  });
});
