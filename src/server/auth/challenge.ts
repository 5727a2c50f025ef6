import { bearerAuthChallengeResponse, OAuthError, OAuthErrorCode } from '@modelcontextprotocol/server';
import { HttpError, JsonRpcCode } from '../http-errors.js';

/** The one scope Beacon checks: calling a tool. Listing, ping and discovery need only a valid credential. */
export const TOOLS_SCOPE = 'mcp:tools';
export const SCOPES_SUPPORTED = [TOOLS_SCOPE] as const;

/**
 * The `WWW-Authenticate` value for a refusal, built by the SDK so that its clients (and any RFC 6750
 * client) parse exactly what they expect: `Bearer error=…, scope=…, resource_metadata=…`.
 * The SDK's response body is an OAuth error object; Beacon answers with a JSON-RPC body instead and
 * keeps only the header.
 */
export function challengeHeader(
  code: 'invalid_token' | 'insufficient_scope',
  description: string,
  resourceMetadataUrl: string | undefined,
): string {
  const error = new OAuthError(
    code === 'invalid_token' ? OAuthErrorCode.InvalidToken : OAuthErrorCode.InsufficientScope,
    description,
  );
  const response = bearerAuthChallengeResponse(error, {
    requiredScopes: [TOOLS_SCOPE],
    resourceMetadataUrl,
  });
  return response.headers.get('WWW-Authenticate') ?? 'Bearer';
}

/**
 * 401 for a missing or invalid credential. The message is the same whatever was wrong with the
 * credential (expired, foreign audience, bad signature…), so a prober learns nothing; the reason
 * goes to the log and metrics instead.
 */
export function unauthorized(resourceMetadataUrl: string | undefined, missing: boolean): HttpError {
  const message = missing ? 'Authentication required' : 'Invalid credentials';
  return new HttpError(401, JsonRpcCode.ServerError, `Unauthorized: ${message}`, 'auth', {
    'WWW-Authenticate': challengeHeader('invalid_token', message, resourceMetadataUrl),
  });
}

/** 403 `insufficient_scope`: the client may ask its authorization server for the scope and retry (step-up). */
export function insufficientScope(resourceMetadataUrl: string | undefined): HttpError {
  const message = `Forbidden: calling tools requires the ${TOOLS_SCOPE} scope`;
  return new HttpError(403, JsonRpcCode.ServerError, message, 'scope', {
    'WWW-Authenticate': challengeHeader('insufficient_scope', message, resourceMetadataUrl),
  });
}

function methodsIn(body: unknown): string[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages.flatMap((message) =>
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { method?: unknown }).method === 'string'
      ? [(message as { method: string }).method]
      : [],
  );
}

/**
 * The scopes a request needs. A 2026-07-28 request names its method in the `Mcp-Method` header and
 * in the body (the SDK refuses a mismatch); a 2025 request only in the body, possibly in a batch
 * (2025-03-26). Either place naming `tools/call` is enough to require the scope.
 */
export function requiredScopes(mcpMethodHeader: string | undefined, body: unknown): string[] {
  const methods = [...methodsIn(body), ...(mcpMethodHeader ? [mcpMethodHeader.trim()] : [])];
  return methods.includes('tools/call') ? [TOOLS_SCOPE] : [];
}

export function hasScopes(granted: readonly string[], required: readonly string[]): boolean {
  return required.every((scope) => granted.includes(scope));
}
