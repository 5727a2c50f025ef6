import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { McpServer } from '@modelcontextprotocol/server';
import { adoptSession } from '../../../../src/server/mcp/adopt-session.js';
import { MemoryEventStore } from '../../../../src/server/shared/event-store/memory.js';

const initialize = {
  jsonrpc: '2.0' as const,
  id: 0,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: { roots: {} },
    clientInfo: { name: 'roaming-client', version: '3.1.4' },
  },
};

function server() {
  const mcp = new McpServer({ name: 'beacon', version: '0' }, { capabilities: { tools: {} } });
  mcp.registerTool('echo', { description: 'echo' }, async () => ({
    content: [{ type: 'text', text: 'pong' }],
  }));
  return mcp;
}

function post(body: unknown, sessionId: string) {
  return new Request('http://127.0.0.1/mcp', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2025-11-25',
    },
    body: JSON.stringify(body),
  });
}

// These pin what adoption relies on in the SDK: if an upgrade breaks any of it, they fail here,
// by name, rather than as 404s between replicas.
describe('adoptSession', () => {
  it('serves requests under the stored session id, as the first replica would', async () => {
    const store = new MemoryEventStore({ maxEvents: 100, maxBytes: 1 << 20, ttlMs: 60_000 });
    const mcp = server();
    const { transport } = await adoptSession({
      id: 'stored-session-id',
      initialize,
      server: mcp,
      eventStore: store,
      retryInterval: 1000,
      keepAliveMs: 0,
    });
    assert.equal(transport.sessionId, 'stored-session-id');
    // The server learnt the client from the replayed initialize.
    assert.deepEqual(mcp.server.getClientVersion(), { name: 'roaming-client', version: '3.1.4' });
    assert.deepEqual(mcp.server.getClientCapabilities(), { roots: {} });

    const answer = await transport.handleRequest(
      post(
        { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: {} } },
        'stored-session-id',
      ),
    );
    assert.equal(answer.status, 200);
    assert.match(await answer.text(), /pong.*"id":7/s);
  });

  it('keeps the replayed initialize out of the event store', async () => {
    const store = new MemoryEventStore({ maxEvents: 100, maxBytes: 1 << 20, ttlMs: 60_000 });
    await adoptSession({
      id: 's',
      initialize,
      server: server(),
      eventStore: store,
      retryInterval: 1000,
      keepAliveMs: 0,
    });
    assert.equal(store.size, 0);
  });

  it('still refuses another session id', async () => {
    const { transport } = await adoptSession({
      id: 'mine',
      initialize,
      server: server(),
      eventStore: new MemoryEventStore({ maxEvents: 10, maxBytes: 1 << 20, ttlMs: 60_000 }),
      retryInterval: 1000,
      keepAliveMs: 0,
    });
    const answer = await transport.handleRequest(
      post({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, 'theirs'),
    );
    assert.equal(answer.status, 404);
  });

  it('fails loudly when the stored initialize is refused', async () => {
    await assert.rejects(
      adoptSession({
        id: 'x',
        initialize: { jsonrpc: '2.0', id: 0, method: 'initialize', params: { nonsense: true } },
        server: server(),
        eventStore: new MemoryEventStore({ maxEvents: 10, maxBytes: 1 << 20, ttlMs: 60_000 }),
        retryInterval: 1000,
        keepAliveMs: 0,
      }),
      /replayed initialize answered|did not take the stored session id/,
    );
  });
});
