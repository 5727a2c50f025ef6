import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { principalIdOf } from '../auth/principal.js';
import { routeOf } from './http-metrics.js';
import type { Era } from './metrics.js';
import { rejectionOf } from './rejections.js';
import { metaOfBody, type TraceContext, traceContextOf } from './trace-context.js';

interface ScopeLocals {
  era?: Era;
  sessionId?: string;
  /** This replica rebuilt the session from the shared store to answer the request. */
  sessionAdopted?: boolean;
  /** The session's `sessionHash`, when the session layer holds it already: one SHA-256 less. */
  sessionLogHash?: string;
}

/**
 * Records what only the endpoint knows about a request (its protocol era, and a session id that
 * does not travel in `Mcp-Session-Id`, as with the 2024-11-05 `?sessionId=`) for its log line.
 */
export function noteRequestScope(res: Response, scope: ScopeLocals): void {
  Object.assign(res.locals as ScopeLocals, scope);
}

/**
 * A session id is a bearer of the session: it never goes into a log. Its short hash lets an
 * operator follow one session across lines without being able to use it.
 */
export function sessionHash(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex').slice(0, 12);
}

export function traceOf(req: Request): TraceContext | undefined {
  return traceContextOf(req.headers.traceparent, metaOfBody(req.body));
}

/**
 * The fields a finished request adds to its log line: route template, era, session hash,
 * principal, trace context and the rejection reason, each only when known.
 */
export function requestLogFields(req: Request, res: Response): Record<string, unknown> {
  const locals = res.locals as ScopeLocals;
  const header = req.headers['mcp-session-id'] ?? res.getHeader('mcp-session-id');
  const sessionId = locals.sessionId ?? (typeof header === 'string' ? header : undefined);
  const fields: Record<string, unknown> = { route: routeOf(req) };
  if (locals.era) fields.era = locals.era;
  if (sessionId) fields.session = locals.sessionLogHash ?? sessionHash(sessionId);
  if (locals.sessionAdopted) fields.session_adopted = true;
  const principal = principalIdOf(req);
  if (principal) fields.principal = principal;
  const rejected = rejectionOf(res);
  if (rejected) fields.rejected = rejected;
  return { ...fields, ...traceOf(req) };
}
