import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import { HttpError, JsonRpcCode, sendJsonRpcError } from '../http-errors.js';

const WINDOW_MS = 60_000;

export interface RequestRateOptions {
  /** RATE_LIMIT_PER_MINUTE: requests one principal may make per minute. */
  perMinute: number;
  /** Where the counts live: in memory for one process, or a shared store for several replicas. */
  store: Store;
  /** The principal's bucket (see `quotaKeyOf`); never a raw credential, as stores may be shared. */
  keyOf: (req: Request) => string;
}

/**
 * RATE_LIMIT_PER_MINUTE: each principal may make `perMinute` requests per fixed one-minute window.
 * Every response says where the client stands in the standard headers of the IETF draft 8
 * (`RateLimit: "600-in-1min"; r=599; t=42` and `RateLimit-Policy: "600-in-1min"; q=600; w=60;
 * pk=:…:`), the structured-field shape later drafts keep; its partition key is a hash, so the
 * principal is not echoed. Over the limit: 429 with `Retry-After` (seconds to the window's end)
 * and a JSON-RPC error body. Mount after authentication, so the principal is known and failed
 * credentials are left to the failure throttle.
 */
export function requestRateLimit(options: RequestRateOptions): RequestHandler {
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: options.perMinute,
    store: options.store,
    keyGenerator: (req: Request) => options.keyOf(req),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req: Request, res: Response, _next: NextFunction) => {
      // express-rate-limit has already set Retry-After and the RateLimit headers.
      sendJsonRpcError(
        res,
        new HttpError(429, JsonRpcCode.ServerError, 'Too many requests; retry later', 'request_rate'),
      );
    },
  });
}
