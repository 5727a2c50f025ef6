import { toNodeHandler } from '@modelcontextprotocol/node';
import { classifyInboundRequest, createMcpHandler, type McpServer } from '@modelcontextprotocol/server';
import type { NextFunction, Request, Response } from 'express';
import { HttpError, JsonRpcCode, sendJsonRpcError } from '../http-errors.js';
import type { InflightCalls } from '../inflight.js';
import { noteRequestScope } from '../observability/log-context.js';
import type { Logger } from '../observability/logger.js';
import { coalesceWrites } from './coalesce-writes.js';
import type { LegacySessions } from './sessions.js';

/**
 * Methods the Fetch standard forbids: the SDK's handler cannot make a web `Request` of them, and
 * answered `TRACE /mcp` with a 500. (CONNECT never gets this far: Node hands it to its own event.)
 */
const FETCH_FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

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

/** A header as the classifier reads it: repeated values joined, as `Headers.get` would. */
function headerOf(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * The SDK's era decision for a POST whose JSON body is parsed: the same classifier
 * `isLegacyRequest` runs, fed the three headers it reads, without building a web `Request` first.
 */
export function isLegacyPost(req: Request, body: unknown): boolean {
  return (
    classifyInboundRequest({
      httpMethod: 'POST',
      protocolVersionHeader: headerOf(req, 'mcp-protocol-version'),
      mcpMethodHeader: headerOf(req, 'mcp-method'),
      mcpNameHeader: headerOf(req, 'mcp-name'),
      body,
    }).kind === 'legacy'
  );
}

/**
 * `/mcp`: one endpoint, two protocol eras.
 * - 2026-07-28 requests are stateless: a strict SDK handler (`legacy: 'reject'`) answers each from
 *   a fresh server, streaming notifications on the request's own SSE response.
 * - 2025-era requests (`initialize`, then `Mcp-Session-Id`) go to the sessionful transport.
 * The SDK's own classifier decides (see `isLegacyPost`), so the branch never disagrees with it.
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
    if (FETCH_FORBIDDEN_METHODS.has(req.method)) {
      return sendJsonRpcError(
        res,
        new HttpError(405, JsonRpcCode.ServerError, 'Method not allowed', undefined, {
          Allow: 'GET, POST, DELETE',
        }),
      );
    }
    if (req.method === 'POST') res.once('close', deps.inflight.begin());
    try {
      const hasSession = req.headers['mcp-session-id'] !== undefined;
      if (req.method === 'POST' && req.body !== undefined) {
        if (isLegacyPost(req, req.body)) return await legacyEra(req, res);
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
