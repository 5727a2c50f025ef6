import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { WireTap } from '../../../../bench/soak/wire-tap.js';

/**
 * A stand-in server: before the call's own notifications it sends what another call on the same
 * session could still send late (an info log of other items, progress for another token).
 */
function fakeServer(): McpServer {
  const server = new McpServer({ name: 'fake', version: '1.0.0' }, { capabilities: { logging: {} } });
  server.registerTool(
    'process_items',
    { inputSchema: { items: z.array(z.string()) } },
    async ({ items }, extra) => {
      const send = extra.sendNotification;
      await send({
        method: 'notifications/message',
        params: { level: 'info', data: 'item 9/50 "c0 item 9": ok' },
      });
      await send({
        method: 'notifications/progress',
        params: { progressToken: 'other', progress: 9, total: 50 },
      });
      const token = extra._meta?.progressToken;
      for (const [i, item] of items.entries()) {
        const label = `item ${i + 1}/${items.length}`;
        await send({
          method: 'notifications/message',
          params: { level: 'info', data: `${label} "${item}": ok` },
        });
        await send({
          method: 'notifications/message',
          params: { level: 'debug', data: `${label} "${item}"` },
        });
        if (token !== undefined) {
          await send({
            method: 'notifications/progress',
            params: { progressToken: token, progress: i + 1, total: items.length },
          });
        }
      }
      return { content: [], structuredContent: { processed: items.length } };
    },
  );
  return server;
}

describe('soak WireTap on a real SDK client', () => {
  it("counts only this call's progress (by its token) and info logs (by its items' tag)", async () => {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await fakeServer().connect(serverSide);
    const tap = new WireTap();
    tap.attach(clientSide);
    const client = new Client({ name: 'tap-test', version: '1.0.0' });
    await client.connect(clientSide);
    try {
      tap.begin('c1');
      let handedOn = 0;
      await client.callTool(
        { name: 'process_items', arguments: { items: ['c1 item 1', 'c1 item 2'] } },
        undefined,
        {
          onprogress: () => {
            handedOn += 1;
          },
        },
      );
      assert.deepEqual(tap.progress, [1, 2]);
      assert.equal(tap.infoLogs, 2);
      assert.ok(handedOn <= 2, 'the SDK still hands progress on to the caller');

      tap.begin('c2');
      await client.callTool({ name: 'process_items', arguments: { items: ['c2 item 1'] } }, undefined, {
        onprogress: () => undefined,
      });
      assert.deepEqual(tap.progress, [1], 'a new call starts from nothing');
      assert.equal(tap.infoLogs, 1);
    } finally {
      await client.close();
    }
  });

  it('counts no progress for a call that asked for none', async () => {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await fakeServer().connect(serverSide);
    const tap = new WireTap();
    tap.attach(clientSide);
    const client = new Client({ name: 'tap-test', version: '1.0.0' });
    await client.connect(clientSide);
    try {
      tap.begin('c1');
      await client.callTool({ name: 'process_items', arguments: { items: ['c1 item 1'] } });
      assert.deepEqual(tap.progress, []);
      assert.equal(tap.infoLogs, 1);
    } finally {
      await client.close();
    }
  });
});
