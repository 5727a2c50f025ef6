import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { pinoHttp } from 'pino-http';
import { requestLogFields, traceOf } from './log-context.js';
import type { Logger } from './logger.js';

/** An incoming id is honoured only when it is short and plain; anything else could forge log lines. */
const WELL_FORMED_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && WELL_FORMED_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * One JSON line per request with its id, method, route, status and duration, plus era, session
 * hash, principal and trace context when known (see `requestLogFields`). The id is echoed in
 * `X-Request-Id` so a user can quote it when reporting a problem.
 */
export function requestLog(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const id = requestIdOf(req);
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessObject: (req, res, line) => ({
      ...line,
      ...requestLogFields(req as Request, res as Response),
    }),
    customErrorObject: (req, res, _error, line) => ({
      ...line,
      ...requestLogFields(req as Request, res as Response),
    }),
    serializers: {
      // The query string is dropped: it can carry session ids or, from a careless client, tokens.
      req: (req: { id: string; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        path: req.url.split('?')[0],
      }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
  });
}

/**
 * Puts the request's trace context on `req.log`, so every line logged while handling it joins the
 * trace. Mounted after body parsing: an MCP client may carry `traceparent` in `params._meta`.
 */
export function traceRequestLog(req: Request, _res: Response, next: NextFunction): void {
  const trace = traceOf(req);
  if (trace && req.log) req.log = req.log.child(trace);
  next();
}
