import type { AuthProvider } from '@modelcontextprotocol/client';

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
  | { kind: 'bearer'; token: string };

export const NO_AUTH: ClientAuth = { kind: 'none' };

/**
 * The SDK transport calls `token()` before every request and sets `Authorization: Bearer …` from it.
 * With no `onUnauthorized`, a 401 surfaces as `UnauthorizedError` and nothing is retried: a static
 * credential that was refused once will be refused again.
 */
export function authProviderFor(auth: ClientAuth): AuthProvider | undefined {
  switch (auth.kind) {
    case 'none':
      return undefined;
    case 'api-key':
      return { token: async () => auth.key };
    case 'bearer':
      return { token: async () => auth.token };
  }
}
