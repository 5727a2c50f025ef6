import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import Provider, { type ClientMetadata, type Configuration, errors } from 'oidc-provider';

/** The one resource scope MCP servers here understand; Beacon's tools/call requires it. */
export const RESOURCE_SCOPES = ['mcp:tools'] as const;
export const OIDC_SCOPES = ['openid', 'offline_access'];

export interface ProviderOptions {
  issuer: string;
  signingKeys: JWK[];
  clients: ClientMetadata[];
  accessTokenTtl: number;
  findAccount: (accountId: string) => boolean;
}

/** A resource indicator must be an absolute http(s) URL without a fragment (RFC 8707 §2). */
export function isResourceIndicator(value: string): boolean {
  const url = URL.parse(value);
  return url !== null && (url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '';
}

/**
 * oidc-provider, configured as an OAuth 2.1 authorization server for MCP:
 * - grants: authorization code with PKCE (S256 only, required for every client) and client
 *   credentials; refresh tokens for the code flow;
 * - resource indicators (RFC 8707): every access token is a JWT whose `aud` is the resource the
 *   client asked for, so a token for one MCP server is refused by every other;
 * - `iss` in authorization responses (RFC 9207) and discovery at both well-known locations;
 * - open Dynamic Client Registration, and Client ID Metadata Documents (https client ids).
 * Storage is in memory: this is a development server.
 */
export function createProvider(options: ProviderOptions): Provider {
  const configuration: Configuration = {
    clients: options.clients,
    jwks: { keys: options.signingKeys as NonNullable<Configuration['jwks']>['keys'] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: [...OIDC_SCOPES, ...RESOURCE_SCOPES],
    // OAuth 2.1: the code flow only; no implicit or hybrid responses.
    responseTypes: ['code', 'none'],
    claims: { openid: ['sub'] },
    pkce: { required: () => true },
    clientBasedCORS: () => true,
    findAccount: async (_ctx, id) =>
      options.findAccount(id) ? { accountId: id, claims: async () => ({ sub: id }) } : undefined,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: options.accessTokenTtl,
      ClientCredentials: options.accessTokenTtl,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      RefreshToken: 24 * 3600,
      IdToken: 3600,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      registration: { enabled: true, initialAccessToken: false },
      revocation: { enabled: true },
      clientIdMetadataDocument: { enabled: true, ack: 'draft-02' },
      resourceIndicators: {
        enabled: true,
        // A client that names exactly one resource gets a token for it without repeating it.
        defaultResource: async (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          if (!isResourceIndicator(resource))
            throw new errors.InvalidTarget('resource must be an absolute http(s) URL');
          return {
            scope: RESOURCE_SCOPES.join(' '),
            audience: resource,
            accessTokenTTL: options.accessTokenTtl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
  };
  const provider = new Provider(options.issuer, configuration);
  // Behind a TLS-terminating proxy the public issuer is https while this process speaks http.
  provider.proxy = options.issuer.startsWith('https:');
  return provider;
}
