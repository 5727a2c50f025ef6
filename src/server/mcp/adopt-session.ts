import { toNodeHandler } from '@modelcontextprotocol/node';
import {
  type EventStore,
  type JSONRPCMessage,
  type McpServer,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import type { Request, Response } from 'express';

export interface AdoptOptions {
  /** The session id the client holds. */
  id: string;
  /** The client's `initialize` request, as it was sent to the replica that created the session. */
  initialize: JSONRPCMessage;
  /** A fresh server for this session, not yet connected. */
  server: McpServer;
  eventStore: EventStore;
  retryInterval: number;
  keepAliveMs: number;
}

export interface AdoptedSession {
  transport: WebStandardStreamableHTTPServerTransport;
  /** Serves one of the session's requests, as the Node transport's `handleRequest` would. */
  serve: (req: Request, res: Response, body: unknown) => Promise<void>;
}

const REPLAY_URL = 'http://beacon.invalid/mcp';
const ACCEPT = 'application/json, text/event-stream';

/** The protocol version the server agreed to, read off the replayed initialize's SSE response. */
function negotiatedVersion(sse: string): string | undefined {
  for (const line of sse.split('\n')) {
    // The priming event of a 2025-11-25 stream has empty data.
    if (!line.startsWith('data: {')) continue;
    const message = JSON.parse(line.slice(6)) as { result?: { protocolVersion?: unknown } };
    if (typeof message.result?.protocolVersion === 'string') return message.result.protocolVersion;
  }
  return undefined;
}

/**
 * Rebuilds a 2025-era session on a replica that did not create it, so a live session never gets
 * 404 because of where the load balancer sent a request.
 *
 * The SDK has no public way to adopt a session: a fresh transport answers `400 Server not
 * initialized`, and a Node transport's session id is read-only. What its public API does allow:
 * a web-standard transport whose `sessionIdGenerator` returns the stored id, fed the client's own
 * `initialize` and `notifications/initialized` as if the client had just sent them. The server
 * then knows the client's capabilities and version exactly as the first replica did. The events
 * that replay would store (the initialize response) are dropped: the client saw them long ago.
 *
 * This is the one place that relies on how the SDK initialises a transport; the test beside it
 * fails loudly if an SDK upgrade changes that.
 */
export async function adoptSession(options: AdoptOptions): Promise<AdoptedSession> {
  let replaying = true;
  const store: EventStore = {
    storeEvent: (streamId, message) =>
      replaying ? Promise.resolve(`replayed.${streamId}`) : options.eventStore.storeEvent(streamId, message),
    getStreamIdForEventId: (eventId) =>
      options.eventStore.getStreamIdForEventId?.(eventId) ?? Promise.resolve(undefined),
    replayEventsAfter: (eventId, sink) => options.eventStore.replayEventsAfter(eventId, sink),
  };
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => options.id,
    eventStore: store,
    retryInterval: options.retryInterval,
    keepAliveMs: options.keepAliveMs,
  });
  await options.server.connect(transport);

  const replay = async (message: JSONRPCMessage, headers: Record<string, string>) => {
    const response = await transport.handleRequest(
      new globalThis.Request(REPLAY_URL, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers },
        body: JSON.stringify(message),
      }),
    );
    const text = await response.text();
    if (response.status >= 300)
      throw new Error(`replayed ${describe(message)} answered ${response.status}: ${text}`);
    return text;
  };
  try {
    const version = negotiatedVersion(await replay(options.initialize, {}));
    await replay(
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { 'mcp-session-id': options.id, ...(version ? { 'mcp-protocol-version': version } : {}) },
    );
  } finally {
    replaying = false;
  }
  if (transport.sessionId !== options.id) {
    throw new Error('the SDK did not take the stored session id: session adoption needs revisiting');
  }
  const handler = toNodeHandler({
    fetch: (request: globalThis.Request, init?: Parameters<typeof transport.handleRequest>[1]) =>
      transport.handleRequest(request, init),
  });
  return { transport, serve: (req, res, body) => handler(req, res, body) };
}

function describe(message: JSONRPCMessage): string {
  return 'method' in message ? message.method : 'message';
}
