import type { NextFunction, Request, Response } from 'express';
import { refusals, sendJsonRpcError } from '../http-errors.js';

export type TargetVerdict =
  | { kind: 'origin-form' }
  | { kind: 'absolute-form'; path: string; host: string }
  | { kind: 'invalid' };

/**
 * What a request target is. `/mcp?x` (origin form) is what nearly every client sends; an absolute
 * URI (`http://host/mcp`) is what a client configured for a forward proxy sends, and RFC 9112
 * §3.2.2 says a server MUST accept it, its authority replacing Host. An absolute URI that does not
 * parse, or that carries userinfo (RFC 9110 §4.2.4: treat it as an error), is invalid. Anything else
 * (`*`, a bare name) is left to routing, which finds nothing there.
 */
export function requestTarget(target: string): TargetVerdict {
  if (!/^https?:\/\//i.test(target)) return { kind: 'origin-form' };
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return { kind: 'invalid' };
  }
  if (url.username !== '' || url.password !== '') return { kind: 'invalid' };
  return { kind: 'absolute-form', path: `${url.pathname}${url.search}`, host: url.host };
}

/**
 * Rewrites an absolute-form target to origin form, with Host from its authority, so every layer
 * after it (the Host allowlist included) sees an ordinary request. Node hands the target to
 * express verbatim, and the SDK's handler, which builds the request URL as `http://` + Host + the
 * target, answered `POST http://127.0.0.1:3000/mcp` with a 500.
 */
export function originFormTarget(req: Request, res: Response, next: NextFunction): void {
  const verdict = requestTarget(req.url);
  if (verdict.kind === 'invalid') {
    sendJsonRpcError(res, refusals.badRequest('the request target is not a valid absolute URI'));
    return;
  }
  if (verdict.kind === 'absolute-form') {
    req.url = verdict.path;
    req.headers.host = verdict.host;
  }
  next();
}
