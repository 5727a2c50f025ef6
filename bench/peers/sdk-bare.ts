/**
 * Bench peer: what a user gets from the MCP SDK v2 alone. `createMcpHandler` for 2026-07-28
 * requests, the SDK's `isLegacyRequest` routing 2025-era requests to one sessionful
 * `NodeStreamableHTTPServerTransport` per session with an in-memory event store, on plain
 * node:http. Nothing else: no security headers, auth, logging or metrics. Same tools as Beacon.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { NodeStreamableHTTPServerTransport, toNodeHandler, toWebRequest } from '@modelcontextprotocol/node';
import {
  createMcpHandler,
  type EventId,
  type EventStore,
  isInitializeRequest,
  isLegacyRequest,
  type JSONRPCMessage,
  McpServer,
  type StreamId,
} from '@modelcontextprotocol/server';
import { benchTools, peerPort } from './tools.js';

/** Unbounded, as in the SDK's examples: a peer with no limits, not a production store. */
class InMemoryEventStore implements EventStore {
  readonly #events = new Map<EventId, { streamId: StreamId; message: JSONRPCMessage }>();
  #sequence = 0;

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    const id = `${++this.#sequence}_${streamId}`;
    this.#events.set(id, { streamId, message });
    return id;
  }

  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    return this.#events.get(eventId)?.streamId;
  }

  async replayEventsAfter(
    lastEventId: EventId,
    { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> },
  ): Promise<StreamId> {
    const streamId = this.#events.get(lastEventId)?.streamId;
    if (streamId === undefined) throw new Error('unknown event id');
    let after = false;
    for (const [id, event] of this.#events) {
      if (after && event.streamId === streamId) await send(id, event.message);
      if (id === lastEventId) after = true;
    }
    return streamId;
  }
}

function buildServer(): McpServer {
  const server = new McpServer(
    { name: 'sdk-bare', version: '1.0.0' },
    { capabilities: { tools: {}, logging: {} } },
  );
  for (const tool of benchTools()) {
    server.registerTool(
      tool.name,
      { description: tool.description, inputSchema: tool.inputSchema, outputSchema: tool.outputSchema },
      async (input, ctx) => {
        const token = ctx.mcpReq._meta?.progressToken;
        const { text, structured } = await tool.run(input, {
          signal: ctx.mcpReq.signal,
          notify: {
            progress: (progress, total, message) =>
              token === undefined
                ? Promise.resolve()
                : ctx.mcpReq.notify({
                    method: 'notifications/progress',
                    params: { progressToken: token, progress, total, message },
                  }),
            log: (level, data) => ctx.mcpReq.log(level, data),
          },
        });
        return { content: [{ type: 'text', text }], structuredContent: structured };
      },
    );
  }
  return server;
}

const sessions = new Map<string, NodeStreamableHTTPServerTransport>();

async function legacy(req: http.IncomingMessage, res: http.ServerResponse, body: unknown): Promise<void> {
  const sid = req.headers['mcp-session-id'];
  const existing = typeof sid === 'string' ? sessions.get(sid) : undefined;
  if (existing) return existing.handleRequest(req, res, body);
  if (sid === undefined && isInitializeRequest(body)) {
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new InMemoryEventStore(),
      onsessioninitialized: (id) => {
        sessions.set(id, transport);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await buildServer().connect(transport);
    return transport.handleRequest(req, res, body);
  }
  res.writeHead(sid === undefined ? 400 : 404, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }),
  );
}

const modern = toNodeHandler(createMcpHandler(() => buildServer(), { legacy: 'reject' }));

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

const server = http.createServer((req, res) => {
  void (async () => {
    if (req.url === '/readyz') return void res.writeHead(200).end('ok');
    if (req.method === 'POST') {
      const body = await readJson(req);
      const probe = await toWebRequest(req, body);
      return (await isLegacyRequest(probe, body)) ? legacy(req, res, body) : modern(req, res, body);
    }
    if (req.headers['mcp-session-id'] !== undefined) return legacy(req, res, undefined);
    return modern(req, res);
  })().catch(() => {
    if (!res.headersSent) res.writeHead(400);
    res.end();
  });
});
server.listen(peerPort(), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
