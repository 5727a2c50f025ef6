import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { isThenable } from './thenable.js';

/** What `/mcp` runs, in express's order: its layers, the 404 past them, and the error handlers. */
export interface McpChain {
  /** Every layer that a request to `/mcp` passes in the express app, ending with the endpoint. */
  layers: readonly RequestHandler[];
  /** Where a request goes when the last layer passes it on. */
  notFound: RequestHandler;
  /** The app's error handlers, in order; the last one always answers. */
  errors: readonly ErrorRequestHandler[];
}

/** `/mcp` exactly, with or without a query: what nearly every client sends. */
function isMcpTarget(url: string | undefined): boolean {
  return url === '/mcp' || url?.startsWith('/mcp?') === true;
}

/**
 * The server's request listener: `/mcp` runs its chain directly, every other request goes to the
 * express app.
 *
 * The chain is the same handler objects the app mounts for `/mcp`, called in the same order with
 * express's request and response (their prototypes are set at birth, see http-server.ts), so the
 * behaviour is the app's. What it skips is the router's own work per request: matching each of
 * some twenty layers' paths, building a `finalhandler` and the route dispatch. On the 2025-era
 * path, where the SDK's own work per call is small, that work was measurable (bench/RESULTS.md).
 * Anything else, `/MCP`, `/mcp/` or an absolute-form `http://host/mcp` included, is the app's.
 */
export function mcpFirst(app: Express, chain: McpChain): (req: IncomingMessage, res: ServerResponse) => void {
  const { layers, notFound, errors } = chain;
  const last = layers.length - 1;
  // An express app is also a middleware, `(req, res, next)`; its `next` replaces the HTML page of
  // `finalhandler`. The router gives up at once on a target it finds no path in, such as `//#@!`,
  // and without this that request would get `Cannot GET null` in HTML instead of JSON-RPC.
  const appWithFallback = app as unknown as (
    req: IncomingMessage,
    res: ServerResponse,
    next: NextFunction,
  ) => void;
  const lastError = errors[errors.length - 1] as ErrorRequestHandler;
  return (incoming, outgoing) => {
    if (!isMcpTarget(incoming.url)) {
      appWithFallback(incoming, outgoing, (error?: unknown) => {
        const [req, res] = [incoming as Request, outgoing as Response];
        if (error === undefined || error === null) notFound(req, res, () => {});
        else lastError(error, req, res, () => {});
      });
      return;
    }
    const req = incoming as Request;
    const res = outgoing as Response;
    // What express's app.handle and router set up before the first layer runs.
    req.res = res;
    res.req = req;
    res.locals ??= Object.create(null);
    req.baseUrl = '';
    req.originalUrl ??= req.url;
    let index = 0;
    let failed = 0;
    const call = (run: () => unknown) => {
      try {
        const result = run();
        // As express 5 does: a handler's rejected promise is its error.
        if (isThenable(result))
          result.then(undefined, (error: unknown) => next(error ?? new Error('Rejected promise')));
      } catch (error) {
        next(error);
      }
    };
    const next: NextFunction = (error?: unknown) => {
      if (error !== undefined && error !== null && error !== 'route' && error !== 'router') {
        const handler = errors[Math.min(failed++, errors.length - 1)] as ErrorRequestHandler;
        call(() => handler(error, req, res, next));
        return;
      }
      const at = index++;
      if (at > last) return call(() => notFound(req, res, next));
      // The endpoint is a route in the app; metrics and log lines label the request by it.
      if (at === last) req.route = { path: '/mcp' };
      call(() => (layers[at] as RequestHandler)(req, res, next));
    };
    req.next = next;
    next();
  };
}
