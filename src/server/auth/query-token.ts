import type { NextFunction, Request, Response } from 'express';
import { HttpError, JsonRpcCode, sendJsonRpcError } from '../http-errors.js';

/** Query parameters that carry credentials in the wild (RFC 6750 §2.3 `access_token`, and common API-key names). */
const CREDENTIAL_PARAMS = ['access_token', 'api_key', 'apikey', 'api-key', 'token'];

/** The credential parameter a URL's query carries, if any (names compared case-insensitively). */
export function queryCredentialParam(url: string): string | undefined {
  const query = url.indexOf('?');
  if (query === -1) return undefined;
  for (const name of new URLSearchParams(url.slice(query + 1)).keys()) {
    if (CREDENTIAL_PARAMS.includes(name.toLowerCase())) return name;
  }
  return undefined;
}

/**
 * Refuses credentials in the query string everywhere, whether or not they are valid: URLs end up
 * in proxy logs, browser history and Referer headers (OAuth 2.1 §5.2.2 forbids this method).
 * The credential is never read, so it is never checked, counted or logged.
 */
export function refuseQueryCredentials(req: Request, res: Response, next: NextFunction): void {
  const param = queryCredentialParam(req.originalUrl);
  if (param === undefined) {
    next();
    return;
  }
  sendJsonRpcError(
    res,
    new HttpError(
      400,
      JsonRpcCode.InvalidRequest,
      `Credentials in the query string (${param}) are refused; send them in the Authorization header`,
      'auth',
      {
        'WWW-Authenticate':
          'Bearer error="invalid_request", error_description="credentials in the query string"',
      },
    ),
  );
}
