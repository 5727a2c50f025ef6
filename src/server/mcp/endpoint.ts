import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, isLegacyRequest, type McpServer } from '@modelcontextprotocol/server';
import type { NextFunction, Request, Response } from 'express';
import type { InflightCalls } from '../inflight.js';
import { noteRequestScope } from '../observability/log-context.js';
import type { Logger } from '../observability/logger.js';
import { coalesceWrites } from './coalesce-writes.js';
import type { LegacySessions } from './sessions.js';

export interface McpEndpointDeps {
  sessions: LegacySessions;
  /** Builds a fresh server for one 2026-07-28 request. */
  buildModernServer: () => McpServer;
  keepAliveMs: number;
  maxBodyBytes: number;
  logger: Logger;
  /** Every POST counts until its response has ended, so a drain waits for results to be written. */
  inflight: InflightCalls;
}

/** Headers-only copy of the request: the classifier reads the parsed body we hand it. */
function probeOf(req: Request): globalThis.Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return new Request(`http://beacon${req.originalUrl}`, { method: 'POST', headers });
}

/**
 * `/mcp`: one endpoint, two protocol eras.
 * - 2026-07-28 requests are stateless: a strict SDK handler (`legacy: 'reject'`) answers each from
 *   a fresh server, streaming notifications on the request's own SSE response.
 * - 2025-era requests (`initialize`, then `Mcp-Session-Id`) go to the sessionful transport.
 * The SDK's own classifier (`isLegacyRequest`) decides, so the branch never disagrees with it.
 * GET and DELETE are session operations; without a session id they reach the modern handler,
 * which answers 405 as the 2026-07-28 transport requires.
 */
export function mcpEndpoint(deps: McpEndpointDeps) {
  const modern = toNodeHandler(
    createMcpHandler(() => deps.buildModernServer(), {
      legacy: 'reject',
      keepAliveMs: deps.keepAliveMs,
      maxRequestBodySize: deps.maxBodyBytes,
      onerror: (error) => deps.logger.debug({ err: error.message }, 'modern request refused'),
    }),
  );

  const legacyEra = (req: Request, res: Response) => {
    noteRequestScope(res, { era: '2025-11-25' });
    return deps.sessions.handle(req, res);
  };

  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (req.method === 'POST') res.once('close', deps.inflight.begin());
    try {
      const hasSession = req.headers['mcp-session-id'] !== undefined;
      if (req.method === 'POST' && req.body !== undefined) {
        const legacy = await isLegacyRequest(probeOf(req), req.body, {
          maxRequestBodySize: deps.maxBodyBytes,
        });
        if (legacy) return await legacyEra(req, res);
      } else if (hasSession && (req.method === 'GET' || req.method === 'DELETE')) {
        return await legacyEra(req, res);
      }
      noteRequestScope(res, { era: '2026-07-28' });
      // The modern era streams every call's notifications on its own response: the hot path.
      coalesceWrites(res);
      await modern(req, res, req.body);
    } catch (error) {
      next(error);
    }
  };
}
