import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

interface HeaderPlan {
  set: Array<[name: string, value: string]>;
  remove: string[];
}

/** What helmet's defaults do to a response, recorded once from a stand-in response. */
function planOf(middleware: ReturnType<typeof helmet>): HeaderPlan {
  const plan: HeaderPlan = { set: [], remove: [] };
  const recorder = {
    setHeader(name: string, value: string) {
      plan.set.push([name, String(value)]);
    },
    removeHeader(name: string) {
      plan.remove.push(name);
    },
  };
  let finished = false;
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
    finished = true;
  });
  // helmet's defaults are synchronous and request-independent; anything else cannot be replayed.
  if (!finished) throw new Error('helmet did not finish synchronously; its headers cannot be precomputed');
  return plan;
}

/**
 * helmet's default security headers (CSP, HSTS, nosniff, frame and referrer policies, …), worked
 * out once at start-up and replayed on every response. With its defaults every value is the same
 * for every request (no nonce, no function directive), so running helmet's twelve middlewares per
 * request only repeats that work on the hot path of `/mcp`.
 */
export function securityHeaders(): RequestHandler {
  const { set, remove } = planOf(helmet());
  return (_req, res, next) => {
    for (const [name, value] of set) res.setHeader(name, value);
    for (const name of remove) res.removeHeader(name);
    next();
  };
}
