import type { IncomingMessage } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { HttpError, JsonRpcCode, sendJsonRpcError } from '../http-errors.js';
import { jsonDepthExceeds } from './json-depth.js';

/** The error `verify` throws; body-parser keeps its status and type. */
class TooDeepError extends Error {
  readonly status = 400;
  readonly type = 'entity.too.deep';
}

/**
 * JSON body parsing with a size cap (after decompression, so a small gzip bomb is still capped)
 * and a nesting cap checked on the raw bytes before `JSON.parse` runs. A body that is not
 * `application/json` is left unparsed, so the SDK answers it with 415 as the transport spec says.
 * Every failure becomes a JSON-RPC error in `bodyErrors`.
 */
export function jsonBody(limitBytes: number, maxDepth: number) {
  return express.json({
    limit: limitBytes,
    type: ['application/json', 'application/*+json'],
    verify: (_req: IncomingMessage, _res: unknown, raw: Buffer) => {
      if (jsonDepthExceeds(raw, maxDepth)) {
        throw new TooDeepError(`JSON nested deeper than ${maxDepth} levels`);
      }
    },
  });
}

interface BodyParserError {
  type?: string;
  status?: number;
}

/** The JSON-RPC refusal for an error the body parser raised; undefined for any other error. */
export function bodyRefusal(error: unknown, maxDepth: number): HttpError | undefined {
  const { type, status } = (error ?? {}) as BodyParserError;
  switch (type) {
    case 'entity.too.large':
      return new HttpError(413, JsonRpcCode.ServerError, 'Request body too large', 'body_too_large');
    case 'entity.too.deep':
      return new HttpError(
        400,
        JsonRpcCode.InvalidRequest,
        `Invalid Request: JSON nested deeper than ${maxDepth} levels (MAX_JSON_DEPTH)`,
        'bad_request',
      );
    case 'entity.parse.failed':
      return new HttpError(400, JsonRpcCode.ParseError, 'Parse error: invalid JSON', 'bad_request');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(415, JsonRpcCode.ServerError, 'Unsupported content encoding', 'bad_request');
  }
  // The rest of what reading a body can raise carries a 400 and no type of its own: a gzip,
  // deflate or br body that is not valid or is cut short, a length that does not match the
  // header, a client that went away mid-body. To the client all of them are an unreadable body.
  if (status === 400) {
    return new HttpError(
      400,
      JsonRpcCode.ParseError,
      'Parse error: the body could not be read (invalid or truncated data for its Content-Encoding and Content-Length)',
      'bad_request',
    );
  }
  return undefined;
}

/** Error middleware for what `jsonBody` throws; other errors pass on. */
export function bodyErrors(maxDepth: number) {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    const refusal = bodyRefusal(error, maxDepth);
    if (!refusal) {
      next(error);
      return;
    }
    // A client's mistake, not ours: one line at warn that says why, without a stack.
    req.log?.warn({ reason: (error as Error).message, status: refusal.status }, 'request body refused');
    sendJsonRpcError(res, refusal);
  };
}
