import type { AuthProvider, OAuthClientProvider } from '@modelcontextprotocol/client';
import { clientCredentialsProvider, InteractiveOAuthProvider, type OAuthContext } from './oauth.js';

/**
 * How `beacon call` authenticates. Every credential the client can present is one variant here and
 * becomes one SDK `AuthProvider` below, so the OAuth flows (client credentials, authorization code)
 * slot in as new variants without touching the transport wiring.
 */
export type ClientAuth =
  | { kind: 'none' }
  /** A Beacon API key (`bk_...`); the server's API-key strategy reads it from the bearer header. */
  | { kind: 'api-key'; key: string }
  /** A bearer token obtained elsewhere (an OAuth access token, for instance). */
  | { kind: 'bearer'; token: string }
  /** OAuth client credentials, discovered from the server's 401 (RFC 9728) unless `issuer` pins it. */
  | { kind: 'oauth-client-credentials'; clientId: string; clientSecret: string; issuer: string | undefined }
  /** OAuth authorization code + PKCE in the user's browser, tokens cached per issuer. */
  | { kind: 'oauth'; issuer: string | undefined };

export const NO_AUTH: ClientAuth = { kind: 'none' };

export interface ResolvedAuth {
  provider: AuthProvider | OAuthClientProvider | undefined;
  /** Completes a browser sign-in the SDK started mid-call (a step-up); false when there is none. */
  finishPendingSignIn(): Promise<boolean>;
  close(): void;
}

const staticAuth = (provider: AuthProvider | OAuthClientProvider | undefined): ResolvedAuth => ({
  provider,
  finishPendingSignIn: async () => false,
  close: () => undefined,
});

/**
 * The SDK transport calls `token()` before every request and sets `Authorization: Bearer …` from it.
 * With no `onUnauthorized`, a 401 surfaces as `UnauthorizedError` and nothing is retried: a static
 * credential that was refused once will be refused again. The OAuth providers run discovery, get a
 * token with a `resource` indicator, and step up once on 403 insufficient_scope.
 */
export async function authProviderFor(auth: ClientAuth, context: OAuthContext): Promise<ResolvedAuth> {
  switch (auth.kind) {
    case 'none':
      return staticAuth(undefined);
    case 'api-key':
      return staticAuth({ token: async () => auth.key });
    case 'bearer':
      return staticAuth({ token: async () => auth.token });
    case 'oauth-client-credentials':
      return staticAuth(await clientCredentialsProvider(auth, context));
    case 'oauth': {
      const provider = await InteractiveOAuthProvider.create(auth.issuer, context);
      try {
        await provider.signIn();
      } catch (error) {
        provider.close();
        throw error;
      }
      return {
        provider,
        finishPendingSignIn: () => provider.finishPendingSignIn(),
        close: () => provider.close(),
      };
    }
  }
}
