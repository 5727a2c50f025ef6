import {
  getOAuthProtectedResourceMetadataUrl,
  type OAuthProtectedResourceMetadata,
} from '@modelcontextprotocol/server';
import { type Request, type Response, Router } from 'express';
import { SCOPES_SUPPORTED } from './challenge.js';

/**
 * RFC 9728 Protected Resource Metadata: how a client that got a 401 finds out where to get a token.
 * Served at the path-aware location for PUBLIC_URL (`/.well-known/oauth-protected-resource/mcp`,
 * the URL the 401 challenge names) and at the root location for clients that probe the origin.
 *
 * The SDK's `buildOAuthProtectedResourceMetadata` needs the authorization server's full metadata,
 * which would tie this public document to the issuer being reachable; only its issuer is needed.
 */
export function protectedResourceMetadata(
  resource: URL,
  issuer: string | undefined,
): OAuthProtectedResourceMetadata {
  return {
    resource: resource.href,
    ...(issuer !== undefined && { authorization_servers: [issuer] }),
    scopes_supported: [...SCOPES_SUPPORTED],
    // RFC 6750 §2.1 only: tokens in a form body or the query string are refused.
    bearer_methods_supported: ['header'],
    resource_name: 'Beacon',
  };
}

export function resourceMetadataUrl(resource: URL): string {
  return getOAuthProtectedResourceMetadataUrl(resource);
}

/** The two well-known routes; public (no credential), cacheable, readable cross-origin. */
export function resourceMetadataRouter(resource: URL, issuer: string | undefined): Router {
  const document = protectedResourceMetadata(resource, issuer);
  const router = Router();
  const send = (_req: Request, res: Response) => {
    res.set({ 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'public, max-age=300' }).json(document);
  };
  const paths = new Set([
    '/.well-known/oauth-protected-resource',
    new URL(resourceMetadataUrl(resource)).pathname,
  ]);
  for (const path of paths) router.get(path, send);
  return router;
}
