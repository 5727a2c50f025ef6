import type { NextFunction, Request, Response } from 'express';
import type { Options, Store } from 'express-rate-limit';
import { HttpError, JsonRpcCode, sendJsonRpcError } from '../http-errors.js';
import { clientAddressKey } from './principal.js';

export interface FailureThrottle {
  /** Runs before authentication: 429 once the address has failed `limit` times this window. */
  guard(req: Request, res: Response, next: NextFunction): void;
  /** Called when an attempt failed: it counts against the address. */
  failed(req: Request): void;
}

/**
 * Throttles credential guessing: each client address may fail authentication `limit` times per
 * window; after that every request from it gets 429 with `Retry-After` until the window ends.
 * Only failures are counted, so well-behaved clients never touch the budget, however many
 * requests they send at once: counting every attempt and taking successes back would let a burst
 * of good requests reach the limit before the take-backs land, as it did in a shared store.
 * The address is the proxy-reported client when express's `trust proxy` says the peer is a proxy.
 * The counters live in `store` (see shared/limiter-store.ts): shared by every replica when
 * REDIS_URL is set. When the store fails, the throttle fails open: a guess is then answered 401
 * like any other, never 429 or 500, and the store says so in the log.
 */
export function failureThrottle(options: { limit: number; windowMs: number; store: Store }): FailureThrottle {
  const { store, limit, windowMs } = options;
  void Promise.resolve(store.init?.({ windowMs } as Options)).catch(() => undefined);
  const refuse = (res: Response, resetTime: Date | undefined) => {
    const seconds = resetTime ? (resetTime.getTime() - Date.now()) / 1000 : windowMs / 1000;
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
  };
  return {
    guard(req, res, next) {
      Promise.resolve(store.get?.(clientAddressKey(req))).then(
        (info) => (info && info.totalHits >= limit ? refuse(res, info.resetTime) : next()),
        // Fail open: the store has reported its outage.
        () => next(),
      );
    },
    failed(req) {
      void Promise.resolve(store.increment(clientAddressKey(req))).catch(() => undefined);
    },
  };
}
