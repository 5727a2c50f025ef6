import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { AuthKind, Config } from '../../config.js';
import { HttpError, JsonRpcCode, sendJsonRpcError } from '../http-errors.js';
import type { Logger } from '../observability/logger.js';
import { authResults } from '../observability/metrics.js';
import type { LimiterStores } from '../shared/limiter-store.js';
import { ApiKeyStore } from './api-keys.js';
import { failureThrottle } from './brute-force.js';
import { hasScopes, insufficientScope, requiredScopes, unauthorized } from './challenge.js';
import {
  type AuthFailure,
  apiKeyAuthInfo,
  type BeaconAuthInfo,
  createPassport,
  oauthAuthInfo,
  presentedCredential,
} from './passport.js';
import { resourceMetadataRouter, resourceMetadataUrl } from './resource-metadata.js';

/** What app.ts mounts. With AUTH_MODE=none every piece lets the request through unauthenticated. */
export interface AuthLayer {
  modes: readonly AuthKind[];
  /** Public RFC 9728 documents; mounted before `authenticate`. */
  metadata: Router | undefined;
  /** Every request but health and discovery: a credential, or 401/429. Sets `req.auth`. */
  authenticate: RequestHandler;
  /** After the body is parsed: `tools/call` needs the tools scope, or 403 for step-up. */
  authorize: RequestHandler;
  /** Re-reads API_KEYS_FILE (SIGHUP). Resolves to the number of keys, or rejects and keeps the old ones. */
  reloadKeys(): Promise<number>;
  /** Forgets verified bearer tokens and the issuer's keys (SIGHUP); false when OAuth is off. */
  forgetTokens(): boolean;
}

type AuthedRequest = Request & { auth?: BeaconAuthInfo };

const passThrough: RequestHandler = (_req, _res, next) => next();

/** The verdict on a request no strategy authenticated, from the strategies' failures. */
export function refusalOf(
  failures: readonly AuthFailure[],
  presented: boolean,
): { status: 401 | 503; missing: boolean; reason: string } {
  const decisive = failures.filter((f) => f.reason !== 'missing');
  if (decisive.length > 0 && decisive.every((f) => f.reason === 'unavailable')) {
    return { status: 503, missing: false, reason: 'unavailable' };
  }
  if (decisive.length > 0) return { status: 401, missing: false, reason: decisive[0]?.reason ?? 'invalid' };
  // A credential of a kind this server does not accept (a JWT under AUTH_MODE=apikey) is invalid, not missing.
  return presented
    ? { status: 401, missing: false, reason: 'unsupported' }
    : { status: 401, missing: true, reason: 'missing' };
}

/** `limiterStores` holds the brute-force counters: in memory, or in Redis shared by every replica. */
export async function createAuthLayer(
  config: Config,
  logger: Logger,
  limiterStores: LimiterStores,
): Promise<AuthLayer> {
  const { modes } = config.auth;
  if (modes.length === 0) {
    logger.warn(
      { host: config.host },
      'authentication is off (AUTH_MODE=none): every request is served unauthenticated, on loopback only',
    );
    return {
      modes,
      metadata: undefined,
      authenticate: passThrough,
      authorize: passThrough,
      reloadKeys: async () => 0,
      forgetTokens: () => false,
    };
  }

  const resource = config.publicUrl;
  const metadataUrl = resourceMetadataUrl(resource);
  const keys = modes.includes('apikey') ? await ApiKeyStore.open(config.auth.apiKeysFile) : undefined;
  const issuer = modes.includes('oauth') ? config.auth.oauthIssuer : undefined;
  // jose loads only with OAuth on: about 20 ms of start-up an API-key-only server never needs.
  const oauth =
    issuer !== undefined
      ? new (await import('./oauth.js')).OAuthVerifier({
          issuer,
          jwksUrl: config.auth.oauthJwksUrl,
          audience: resource,
        })
      : undefined;
  const strategyDeps = { keys, oauth, resource, resourceMetadataUrl: metadataUrl };
  const passport = createPassport(modes, strategyDeps);
  const throttle = failureThrottle({
    limit: config.auth.failureLimit,
    windowMs: config.auth.failureWindowMs,
    store: limiterStores.create('auth-failures'),
  });
  logger.info({ modes, keys: keys?.size, issuer, resource: resource.href }, 'authentication enabled');

  const accept = (req: Request, user: BeaconAuthInfo, next: NextFunction) => {
    authResults.inc({ kind: user.extra.principal.kind, result: 'ok' });
    (req as AuthedRequest).auth = user;
    next();
  };

  /** A credential verified before and still valid: the same verdict, without passport. */
  const recalled = (req: Request): BeaconAuthInfo | undefined => {
    const credential = presentedCredential(req);
    if (credential?.kind === 'apikey') {
      const match = keys?.recall(credential.value);
      return match && apiKeyAuthInfo(strategyDeps, credential.value, match.id, match.scopes);
    }
    const verified = credential && oauth?.recall(credential.value);
    return verified && oauthAuthInfo(strategyDeps, credential.value, verified);
  };

  const verify: RequestHandler = (req, res, next) => {
    const known = recalled(req);
    if (known) return accept(req, known, next);
    passport.authenticate(
      [...modes],
      { session: false },
      (error: unknown, user: BeaconAuthInfo | false, info: AuthFailure | AuthFailure[] | undefined) => {
        if (error) return next(error);
        if (user) return accept(req, user, next);
        const presented = presentedCredential(req);
        const failures = (Array.isArray(info) ? info : [info]).filter(
          (f): f is AuthFailure => f !== undefined,
        );
        const refusal = refusalOf(failures, presented !== undefined);
        authResults.inc({ kind: presented?.kind ?? 'none', result: refusal.reason });
        req.log?.warn(
          { auth: { kind: presented?.kind ?? 'none', reason: refusal.reason } },
          'authentication failed',
        );
        if (refusal.status === 503) {
          // The issuer's keys could not be fetched: not the client's fault, so not counted against it.
          return sendJsonRpcError(
            res,
            new HttpError(
              503,
              JsonRpcCode.ServerError,
              'Authorization server unavailable; retry later',
              'auth',
              {
                'Retry-After': '5',
              },
            ),
          );
        }
        throttle.failed(req);
        sendJsonRpcError(res, unauthorized(metadataUrl, refusal.missing));
      },
    )(req, res, next);
  };

  return {
    modes,
    metadata: resourceMetadataRouter(resource, issuer),
    authenticate: (req, res, next) => {
      // Other discovery probes (a 2025-03-26 client asking this origin for AS metadata) get a plain
      // 404, not a 401 that would send them looking for credentials they do not need yet.
      if (req.path.startsWith('/.well-known/')) return next();
      throttle.guard(req, res, () => verify(req, res, next));
    },
    authorize(req: Request, res: Response, next: NextFunction) {
      const auth = (req as AuthedRequest).auth;
      const header = req.headers['mcp-method'];
      const needed = requiredScopes(typeof header === 'string' ? header : undefined, req.body);
      if (!auth || hasScopes(auth.scopes, needed)) return next();
      req.log?.info({ principal: auth.extra.principal.id, needed }, 'insufficient scope');
      sendJsonRpcError(res, insufficientScope(metadataUrl));
    },
    async reloadKeys() {
      if (!keys) return 0;
      return keys.reload();
    },
    forgetTokens() {
      oauth?.forget();
      return oauth !== undefined;
    },
  };
}
