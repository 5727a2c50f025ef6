import type { RejectReason } from './metrics.js';

/**
 * Label values for HTTP metrics and request log lines. Each is drawn from a small fixed set, so a
 * client cannot grow the number of time series by sending odd paths, methods or statuses.
 */

const METHODS = new Set(['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS']);

export function methodLabel(method: string | undefined): string {
  return method && METHODS.has(method) ? method : 'OTHER';
}

/** `2xx`, `4xx`…; `none` when the client went away before any status was sent. */
export function statusClass(status: number, headersSent: boolean): string {
  if (!headersSent || status < 100 || status > 599) return 'none';
  return `${Math.floor(status / 100)}xx`;
}

/**
 * The route template: the express route that answered (mount path included), or, for a request
 * refused before routing (Host, Origin, body), the registered route its path names exactly.
 * Anything else is `unmatched`, never the raw path.
 */
export function routeLabel(
  matched: { baseUrl: string; routePath: unknown } | undefined,
  path: string,
  knownRoutes: Iterable<string>,
): string {
  if (matched && typeof matched.routePath === 'string') return `${matched.baseUrl}${matched.routePath}`;
  for (const route of knownRoutes) if (route === path) return route;
  return 'unmatched';
}

/**
 * A refusal answered by the MCP transport itself (wrong Accept or content type, bad protocol
 * version, a method the era does not allow) or by a limiter that does not go through
 * `sendJsonRpcError`: its reason from the status alone. 401 and 403 are not guessed (auth, scope,
 * Host and Origin all use them); those paths name their reason themselves.
 */
export function refusalReason(status: number): RejectReason | undefined {
  switch (status) {
    case 400:
    case 405:
    case 406:
    case 409:
    case 415:
      return 'bad_request';
    case 413:
      return 'body_too_large';
    case 429:
      return 'rate_limit';
    default:
      return undefined;
  }
}
