import cors from 'cors';
import type { RequestHandler } from 'express';

/**
 * CORS for browser-based MCP clients: off unless CORS_ORIGINS names the origins. A browser client
 * must be able to read the session id, the auth challenge and the negotiated version.
 */
export function corsFor(origins: readonly string[]): RequestHandler | undefined {
  if (origins.length === 0) return undefined;
  return cors({
    origin: [...origins],
    methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowedHeaders: [
      'Content-Type',
      'Accept',
      'Authorization',
      'X-API-Key',
      'Mcp-Session-Id',
      'Mcp-Protocol-Version',
      'Mcp-Method',
      'Mcp-Name',
      'Last-Event-ID',
      'X-Request-Id',
      'traceparent',
    ],
    exposedHeaders: ['Mcp-Session-Id', 'WWW-Authenticate', 'Mcp-Protocol-Version', 'X-Request-Id'],
    maxAge: 600,
  });
}
