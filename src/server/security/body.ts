import express, { type NextFunction, type Request, type Response } from 'express';
import { HttpError, JsonRpcCode, sendJsonRpcError } from '../http-errors.js';

/**
 * JSON body parsing with a size cap. Oversized bodies get 413 and malformed JSON gets 400 with
 * JSON-RPC -32700, both as JSON-RPC error bodies. A body that is not `application/json` is left
 * unparsed, so the SDK answers it with 415 as the transport spec says.
 */
export function jsonBody(limitBytes: number) {
  return express.json({ limit: limitBytes, type: ['application/json', 'application/*+json'] });
}

interface BodyParserError {
  type?: string;
  status?: number;
}

/** Error middleware for what `jsonBody` throws; other errors pass on. */
export function bodyErrors(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  const type = (error as BodyParserError | undefined)?.type;
  if (type === 'entity.too.large') {
    sendJsonRpcError(
      res,
      new HttpError(413, JsonRpcCode.ServerError, 'Request body too large', 'body_too_large'),
    );
  } else if (type === 'entity.parse.failed') {
    sendJsonRpcError(
      res,
      new HttpError(400, JsonRpcCode.ParseError, 'Parse error: invalid JSON', 'bad_request'),
    );
  } else if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    sendJsonRpcError(
      res,
      new HttpError(415, JsonRpcCode.ServerError, 'Unsupported content encoding', 'bad_request'),
    );
  } else {
    next(error);
  }
}
