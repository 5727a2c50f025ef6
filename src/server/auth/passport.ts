import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Request } from 'express';
import passport from 'passport';
import { Strategy as CustomStrategy } from 'passport-custom';
import type { AuthKind } from '../../config.js';
import { type ApiKeyStore, looksLikeApiKey } from './api-keys.js';
import type { OAuthVerifier, VerifiedToken } from './oauth.js';
import { type TokenFailure, TokenRejected } from './token-rejected.js';

/** Who a request acts as: stable across credentials of the same identity, distinct across kinds. */
export interface Principal {
  id: string;
  kind: AuthKind;
}

export type BeaconAuthInfo = AuthInfo & { extra: { principal: Principal } };

/** Why a strategy did not authenticate: for logs and metrics only, never for the client. */
export interface AuthFailure {
  kind: AuthKind;
  reason: 'missing' | 'unknown_key' | TokenFailure;
}

/**
 * The credential a request presents. RFC 6750 §2.1 `Authorization: Bearer`, or `X-API-Key` for
 * clients that can only set a custom header. A `bk_` bearer is an API key, anything else a token.
 */
export function presentedCredential(req: Request): { kind: AuthKind; value: string } | undefined {
  const header = req.headers.authorization;
  const bearer = typeof header === 'string' ? /^Bearer[ ]+([^\s]+)\s*$/i.exec(header)?.[1] : undefined;
  const apiKeyHeader = req.headers['x-api-key'];
  if (typeof apiKeyHeader === 'string' && apiKeyHeader !== '')
    return { kind: 'apikey', value: apiKeyHeader.trim() };
  if (bearer === undefined) return undefined;
  return { kind: looksLikeApiKey(bearer) ? 'apikey' : 'oauth', value: bearer };
}

export interface StrategyDeps {
  keys?: ApiKeyStore;
  oauth?: OAuthVerifier;
  /** PUBLIC_URL: the resource every credential here is for (RFC 8707). */
  resource: URL;
  resourceMetadataUrl: string;
}

/** What an API key authenticates as: the SDK's `AuthInfo` with Beacon's principal. */
export function apiKeyAuthInfo(
  deps: StrategyDeps,
  key: string,
  id: string,
  scopes: readonly string[],
): BeaconAuthInfo {
  return {
    token: key,
    clientId: id,
    scopes: [...scopes],
    resource: deps.resource,
    resourceMetadataUrl: deps.resourceMetadataUrl,
    extra: { principal: { id: `apikey:${id}`, kind: 'apikey' } },
  };
}

/** What a verified bearer token authenticates as: the token's subject, client and scopes. */
export function oauthAuthInfo(deps: StrategyDeps, token: string, verified: VerifiedToken): BeaconAuthInfo {
  return {
    token,
    clientId: verified.clientId,
    scopes: [...verified.scopes],
    expiresAt: verified.expiresAt,
    resource: deps.resource,
    resourceMetadataUrl: deps.resourceMetadataUrl,
    extra: { principal: { id: `oauth:${verified.subject}`, kind: 'oauth' } },
  };
}

/**
 * A passport instance of its own (no global state) with one strategy per accepted credential kind.
 * Each strategy either authenticates (its user is the SDK's `AuthInfo`, which the transport hands
 * to tools as `ctx.http.authInfo`) or fails with an `AuthFailure`.
 */
export function createPassport(modes: readonly AuthKind[], deps: StrategyDeps): passport.PassportStatic {
  const instance = new passport.Passport() as passport.PassportStatic;
  const fail = (done: (e: null, u: false, i: AuthFailure) => void, failure: AuthFailure) =>
    done(null, false, failure);

  if (modes.includes('apikey')) {
    const keys = deps.keys;
    if (!keys) throw new Error('apikey mode needs a key store');
    instance.use(
      'apikey',
      new CustomStrategy((req, done) => {
        const credential = presentedCredential(req);
        if (credential?.kind !== 'apikey') return fail(done, { kind: 'apikey', reason: 'missing' });
        const match = keys.verify(credential.value);
        if (!match) return fail(done, { kind: 'apikey', reason: 'unknown_key' });
        done(null, apiKeyAuthInfo(deps, credential.value, match.id, match.scopes));
      }),
    );
  }

  if (modes.includes('oauth')) {
    const verifier = deps.oauth;
    if (!verifier) throw new Error('oauth mode needs a verifier');
    instance.use(
      'oauth',
      new CustomStrategy((req, done) => {
        const credential = presentedCredential(req);
        if (credential?.kind !== 'oauth') return fail(done, { kind: 'oauth', reason: 'missing' });
        verifier.verify(credential.value).then(
          (verified) => done(null, oauthAuthInfo(deps, credential.value, verified)),
          (error: unknown) =>
            error instanceof TokenRejected
              ? fail(done, { kind: 'oauth', reason: error.reason })
              : done(error, false),
        );
      }),
    );
  }
  return instance;
}
