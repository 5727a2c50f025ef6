import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import type { RejectReason } from './observability/metrics.js';
import { countRejection } from './observability/rejections.js';

/** JSON-RPC error codes Beacon answers with at the HTTP layer. */
export const JsonRpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** Server-defined: generic transport-level refusal (forbidden, too large, busy). */
  ServerError: -32000,
  /** Server-defined, as the SDK uses it: the session id is unknown, expired or not yours. */
  SessionNotFound: -32001,
} as const;

/**
 * An error that a handler throws and the one error middleware turns into an HTTP status plus a
 * JSON-RPC error body. Nothing ever answers with express's HTML page or a stack trace.
 */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly reason?: RejectReason,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * Writes a JSON-RPC error response. The body carries no `id` because these refusals happen before
 * any request is dispatched (spec: "an optional JSON-RPC error body that has no id"); a parse error
 * carries `id: null`, as JSON-RPC 2.0 requires when the id could not be read.
 */
export function sendJsonRpcError(res: Response, error: HttpError): void {
  if (error.reason) countRejection(res, error.reason);
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(error.status).set(error.headers);
  const body: Record<string, unknown> = {
    jsonrpc: '2.0',
    error: { code: error.code, message: error.message },
  };
  if (error.code === JsonRpcCode.ParseError) body.id = null;
  res.json(body);
}

/**
 * The HTTP error for anything a handler threw: an `HttpError` as it is, another error that
 * carries its own 4xx status (express's and body-parser's `http-errors`) with that status, and
 * anything else as 500. A 4xx keeps only the standard reason phrase, never the error's own text,
 * which may name internals.
 */
export function httpErrorOf(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const { status, statusCode } = (error ?? {}) as { status?: unknown; statusCode?: unknown };
  const own = typeof status === 'number' ? status : statusCode;
  if (typeof own === 'number' && Number.isInteger(own) && own >= 400 && own <= 499) {
    const code = own === 400 ? JsonRpcCode.InvalidRequest : JsonRpcCode.ServerError;
    return new HttpError(own, code, STATUS_CODES[own] ?? 'Bad Request', 'bad_request');
  }
  return new HttpError(500, JsonRpcCode.InternalError, 'Internal error');
}

/** Refusals more than one route gives, worded the same everywhere. */
export const refusals = {
  /** 2025 transports: 404 tells the client to re-initialise. Also for another principal's session. */
  sessionNotFound: () =>
    new HttpError(404, JsonRpcCode.SessionNotFound, 'Session not found', 'session_not_found'),
  sessionLimit: () =>
    new HttpError(
      503,
      JsonRpcCode.ServerError,
      'Server busy: session limit reached, retry later',
      'session_limit',
      {
        'Retry-After': '5',
      },
    ),
  notJson: () =>
    new HttpError(
      415,
      JsonRpcCode.ServerError,
      'Unsupported Media Type: Content-Type must be application/json',
      'bad_request',
    ),
  badRequest: (why: string) =>
    new HttpError(400, JsonRpcCode.ServerError, `Bad Request: ${why}`, 'bad_request'),
};
