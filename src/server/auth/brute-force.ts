import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { MemoryStore, rateLimit } from 'express-rate-limit';
import { HttpError, JsonRpcCode, sendJsonRpcError } from '../http-errors.js';
import { clientAddressKey } from './principal.js';

export interface FailureThrottle {
  /** Runs before authentication: counts the attempt, or answers 429 once the address is over its limit. */
  guard: RequestHandler;
  /** Called when the attempt authenticated: it does not count against the address. */
  forgive(req: Request): void;
}

/**
 * Throttles credential guessing: each client address may fail authentication `limit` times per
 * window; after that every request from it gets 429 with `Retry-After` until the window ends.
 * Every attempt is counted up front and a successful one is forgiven at once, so well-behaved
 * clients, long-running streams included, never use up the budget.
 * The address is the proxy-reported client when express's `trust proxy` says the peer is a proxy.
 */
export function failureThrottle(options: { limit: number; windowMs: number }): FailureThrottle {
  const store = new MemoryStore();
  const limiter = rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    store,
    keyGenerator: clientAddressKey,
    standardHeaders: false,
    legacyHeaders: false,
    handler: (req: Request, res: Response, _next: NextFunction) => {
      const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = resetTime
        ? Math.ceil((resetTime.getTime() - Date.now()) / 1000)
        : options.windowMs / 1000;
      sendJsonRpcError(
        res,
        new HttpError(
          429,
          JsonRpcCode.ServerError,
          'Too many failed authentication attempts; retry later',
          'rate_limit',
          {
            'Retry-After': String(Math.max(1, Math.ceil(seconds))),
          },
        ),
      );
    },
  });
  return {
    guard: limiter,
    forgive(req) {
      void store.decrement(clientAddressKey(req));
    },
  };
}
