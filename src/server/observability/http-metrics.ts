import type { NextFunction, Request, Response } from 'express';
import { methodLabel, refusalReason, routeLabel, statusClass } from './http-labels.js';
import { httpRequestDuration } from './metrics.js';
import { countRejection, rejectionOf } from './rejections.js';
import { streamKindOf, watchSseStreams } from './sse-streams.js';

interface RouterLayer {
  route?: { path?: unknown };
}

/** Paths of the app's own routes, for requests refused before routing got to them. */
function knownRoutes(req: Request): string[] {
  const stack = (req.app as unknown as { router?: { stack?: RouterLayer[] } }).router?.stack ?? [];
  return stack.flatMap((layer) => (typeof layer.route?.path === 'string' ? [layer.route.path] : []));
}

/** The route template of a request, for metrics and request log lines alike. */
export function routeOf(req: Request): string {
  const matched = req.route ? { baseUrl: req.baseUrl, routePath: req.route.path } : undefined;
  return routeLabel(matched, req.path, matched ? [] : knownRoutes(req));
}

/**
 * Times every request until its response closes (an SSE stream counts for as long as it is open)
 * into `beacon_http_request_duration_seconds`, watches for SSE streams, and counts transport
 * refusals that no earlier layer named.
 */
export function httpMetrics(req: Request, res: Response, next: NextFunction): void {
  const stop = httpRequestDuration.startTimer();
  watchSseStreams(res, () => streamKindOf(req.method, routeOf(req)));
  res.once('close', () => {
    if (res.headersSent && !rejectionOf(res)) {
      const reason = refusalReason(res.statusCode);
      if (reason) countRejection(res, reason);
    }
    stop({
      method: methodLabel(req.method),
      route: routeOf(req),
      status_class: statusClass(res.statusCode, res.headersSent),
    });
  });
  next();
}
