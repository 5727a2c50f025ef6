import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpError, JsonRpcCode, sendJsonRpcError } from '../http-errors.js';
import { holdStreamPlace, streamPlacesHeld } from '../observability/sse-streams.js';

/** A JSON-RPC request (it has an id, so it expects an answer), as opposed to a notification or response. */
function isRequestMessage(message: unknown): boolean {
  return typeof message === 'object' && message !== null && 'id' in message && 'method' in message;
}

/**
 * Whether a request may be answered with an SSE stream: a session's GET on `/mcp` (the standalone
 * stream, or a `Last-Event-ID` resumption), `GET /sse` (2024-11-05), or a POST on `/mcp` that
 * carries a JSON-RPC request (the transport may answer it on a stream). Notifications and
 * responses get 202, and HTTP+SSE `/messages` answers on a stream that is already open.
 */
export function opensStream(req: Pick<Request, 'method' | 'path' | 'headers' | 'body'>): boolean {
  if (req.method === 'GET') {
    return req.path === '/sse' || (req.path === '/mcp' && req.headers['mcp-session-id'] !== undefined);
  }
  if (req.method !== 'POST' || req.path !== '/mcp') return false;
  const messages: unknown[] = Array.isArray(req.body) ? req.body : [req.body];
  return messages.some(isRequestMessage);
}

const streamCapacityRefusal = () =>
  new HttpError(
    503,
    JsonRpcCode.ServerError,
    'Server busy: stream limit reached, retry later',
    'stream_capacity',
    {
      'Retry-After': '5',
    },
  );

/**
 * MAX_STREAMS: every open SSE stream holds memory and a socket until it ends, whichever era or
 * principal opened it. A request that may open one is refused with 503 and `Retry-After` when
 * `limit` places are held; otherwise it takes a place at once, so a burst of requests cannot
 * overshoot the limit before their streams open. Places are those `beacon_streams_open` counts
 * (see sse-streams.ts). Mount after body parsing.
 */
export function streamAdmission(limit: number): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!opensStream(req)) return next();
    if (streamPlacesHeld() >= limit) return sendJsonRpcError(res, streamCapacityRefusal());
    holdStreamPlace(res);
    next();
  };
}
