import { validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';
import type { NextFunction, Request, Response } from 'express';
import { HttpError, JsonRpcCode, sendJsonRpcError } from '../http-errors.js';

/**
 * RFC 9110 §7.2: `Host` is `uri-host [":" port]`: a registered name, an IPv4 address or a
 * bracketed IPv6 literal, each with an optional port, and nothing else. The SDK's validator reads
 * the hostname with `new URL`, which drops userinfo, path, query and fragment: `user@127.0.0.1`
 * would pass its allowlist and then make the request URL the MCP handler builds from Host invalid
 * (a 500), and `127.0.0.1/x` would name a path the request never had.
 */
const HOST_SHAPE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]+)(?::\d*)?$/;

export function isWellFormedHost(value: string): boolean {
  return HOST_SHAPE.test(value);
}

/**
 * DNS-rebinding and cross-site protection (MCP transports: servers MUST validate Origin).
 *
 * A web page can rebind its own domain to 127.0.0.1 and reach a local server as if same-origin;
 * checking `Host` stops that. A browser always sends `Origin` on cross-site requests, so an
 * `Origin` outside the allowlist means a page we did not approve is driving the request. Clients
 * outside a browser send no `Origin` and pass. The decisions are the SDK's pure validators
 * (hostnames, port-agnostic); this file only turns a refusal into 403 with a JSON-RPC body.
 */
export function hostOriginGuard(allowedHosts: readonly string[], allowedOrigins: readonly string[]) {
  const hosts = [...allowedHosts];
  const origins = [...allowedOrigins];
  return (req: Request, res: Response, next: NextFunction): void => {
    // An absent or empty Host is the SDK validator's to refuse, with its own message.
    if (req.headers.host && !isWellFormedHost(req.headers.host)) {
      sendJsonRpcError(
        res,
        new HttpError(403, JsonRpcCode.ServerError, 'Forbidden: Invalid Host header', 'host'),
      );
      return;
    }
    const host = validateHostHeader(req.headers.host, hosts);
    if (!host.ok) {
      sendJsonRpcError(
        res,
        new HttpError(403, JsonRpcCode.ServerError, `Forbidden: ${host.message}`, 'host'),
      );
      return;
    }
    const origin = validateOriginHeader(req.headers.origin, origins);
    if (!origin.ok) {
      sendJsonRpcError(
        res,
        new HttpError(403, JsonRpcCode.ServerError, `Forbidden: ${origin.message}`, 'origin'),
      );
      return;
    }
    next();
  };
}
