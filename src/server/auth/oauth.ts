import { createHash } from 'node:crypto';
import {
  createRemoteJWKSet,
  errors,
  type JWKSCacheInput,
  type JWTPayload,
  type JWTVerifyGetKey,
  customFetch as joseCustomFetch,
  jwksCache,
  jwtVerify,
} from 'jose';
import { LruMap } from '../lru-map.js';
import { type TokenFailure, TokenRejected } from './token-rejected.js';

/**
 * OAuth 2.1 resource-server side: validates bearer JWTs locally against the issuer's published
 * keys. Nothing is sent to the authorization server per request; its keys are cached by jose and
 * refetched when a token names an unknown `kid` (key rotation).
 */

/** Asymmetric algorithms only: `none` and HMAC (HS256 under an RSA key, "alg confusion") never verify. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** Clock skew tolerated on exp/nbf/iat between this server and the issuer. */
const CLOCK_TOLERANCE_S = 30;
const DISCOVERY_TIMEOUT_MS = 5_000;
/** jose's own default: a key set older than this is fetched again before it verifies anything. */
const JWKS_MAX_AGE_MS = 600_000;
/** Distinct tokens whose verdicts are remembered; a client reuses one token until it expires. */
const REMEMBERED_TOKENS = 1_024;

export interface VerifiedToken {
  subject: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
}

export interface OAuthVerifierOptions {
  issuer: string;
  /** Overrides the discovered `jwks_uri`, for a server that reaches the issuer by another name. */
  jwksUrl?: string;
  /** This server's canonical URL (RFC 8707): a token must name it in `aud`. */
  audience: URL;
  fetch?: typeof fetch;
  /** How long a fetched key set is trusted, and so a remembered verdict (default 10 min). */
  jwksMaxAgeMs?: number;
  /** The clock for `exp`/`nbf`; tests move it. */
  now?: () => number;
}

interface RememberedToken {
  token: VerifiedToken;
  /** When the key set that verified it was fetched: a later fetch (a rotation) voids the verdict. */
  keysFetchedAt: number;
}

/**
 * RFC 8414 §3.1 inserts the well-known segment before the issuer's path; OpenID Connect Discovery
 * appends it. Both are tried, RFC 8414 first, as MCP clients do.
 */
export function discoveryUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
    ...(path ? [`${url.origin}/.well-known/openid-configuration${path}`] : []),
  ];
}

/** Finds the issuer's `jwks_uri`; the metadata must name the same issuer (RFC 8414 §3.3). */
export async function discoverJwksUri(issuer: string, fetchFn: typeof fetch = fetch): Promise<string> {
  const problems: string[] = [];
  for (const url of discoveryUrls(issuer)) {
    try {
      const res = await fetchFn(url, {
        headers: { Accept: 'application/json' },
        signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
      });
      if (!res.ok) {
        problems.push(`${url}: HTTP ${res.status}`);
        await res.body?.cancel();
        continue;
      }
      const metadata = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
      if (metadata.issuer !== issuer) {
        problems.push(`${url}: names issuer ${JSON.stringify(metadata.issuer)}`);
        continue;
      }
      if (typeof metadata.jwks_uri !== 'string') {
        problems.push(`${url}: no jwks_uri`);
        continue;
      }
      return metadata.jwks_uri;
    } catch (error) {
      problems.push(`${url}: ${(error as Error).message}`);
    }
  }
  throw new Error(`authorization server metadata for ${issuer} not found (${problems.join('; ')})`);
}

/** Maps jose's errors onto the few reasons an operator needs to tell apart. */
export function failureOf(error: unknown): TokenFailure {
  if (error instanceof TokenRejected) return error.reason;
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'audience';
    if (error.claim === 'iss') return 'issuer';
    if (error.claim === 'nbf') return 'not_yet_valid';
    return 'claims';
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
    return 'algorithm';
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return 'signature';
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return 'unavailable';
  if (error instanceof errors.JOSEError) return 'malformed';
  // Anything else is a failure to reach the issuer's keys, not a verdict on the token.
  return 'unavailable';
}

function scopesOf(payload: JWTPayload): string[] {
  if (typeof payload.scope === 'string') return payload.scope.split(' ').filter(Boolean);
  // Some identity providers (Entra ID's `scp`, others' arrays) spell it differently.
  if (typeof payload.scp === 'string') return payload.scp.split(' ').filter(Boolean);
  if (Array.isArray(payload.scp)) return payload.scp.filter((s): s is string => typeof s === 'string');
  return [];
}

export class OAuthVerifier {
  #keys: Promise<JWTVerifyGetKey> | undefined;
  /** jose records here when it last fetched the key set (`uat`). */
  #keySet: JWKSCacheInput = {};
  readonly #audiences: string[];
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  /** SHA-256 of a token → its verdict, so a client's repeated requests skip the signature check. */
  readonly #verdicts = new LruMap<RememberedToken>(REMEMBERED_TOKENS);

  constructor(private readonly options: OAuthVerifierOptions) {
    const href = options.audience.href;
    // RFC 8707 resource indicators are compared as strings; tolerate one trailing slash either way.
    this.#audiences = [href, href.endsWith('/') ? href.slice(0, -1) : `${href}/`];
    this.#maxAgeMs = options.jwksMaxAgeMs ?? JWKS_MAX_AGE_MS;
    this.#now = options.now ?? Date.now;
  }

  get issuer(): string {
    return this.options.issuer;
  }

  /** Discovery runs on first use and is retried after a failure, so start-up never waits on the issuer. */
  #jwks(): Promise<JWTVerifyGetKey> {
    this.#keys ??= (async () => {
      const fetchFn = this.options.fetch ?? fetch;
      const uri = this.options.jwksUrl ?? (await discoverJwksUri(this.options.issuer, fetchFn));
      return createRemoteJWKSet(new URL(uri), {
        timeoutDuration: DISCOVERY_TIMEOUT_MS,
        cooldownDuration: 30_000,
        cacheMaxAge: this.#maxAgeMs,
        [jwksCache]: this.#keySet,
        ...(this.options.fetch && { [joseCustomFetch]: this.options.fetch }),
      });
    })();
    this.#keys.catch(() => {
      this.#keys = undefined;
    });
    return this.#keys;
  }

  /**
   * The verdict `verify` gave this token, while it holds: before `exp`, and under the same key set
   * as long as jose would trust that set without fetching it again. Undefined means "verify it".
   */
  recall(token: string): VerifiedToken | undefined {
    return this.#recall(digestOf(token));
  }

  #recall(digest: string): VerifiedToken | undefined {
    const remembered = this.#verdicts.get(digest);
    if (!remembered) return undefined;
    const { token: verified, keysFetchedAt } = remembered;
    const current =
      keysFetchedAt === fetchedAt(this.#keySet) &&
      Date.now() < keysFetchedAt + this.#maxAgeMs &&
      this.#now() < verified.expiresAt * 1000;
    return current ? verified : undefined;
  }

  /** SIGHUP: every remembered verdict goes, and the issuer's metadata and keys are fetched again. */
  forget(): void {
    this.#verdicts.clear();
    this.#keys = undefined;
    this.#keySet = {};
  }

  async verify(token: string): Promise<VerifiedToken> {
    const digest = digestOf(token);
    const recalled = this.#recall(digest);
    if (recalled) return recalled;
    let keys: JWTVerifyGetKey;
    try {
      keys = await this.#jwks();
    } catch {
      throw new TokenRejected('unavailable');
    }
    const keySet = this.#keySet;
    const keysFetchedAt = fetchedAt(keySet);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.options.issuer,
        audience: this.#audiences,
        algorithms: ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_S,
        currentDate: new Date(this.#now()),
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw new TokenRejected(failureOf(error));
    }
    const subject = String(payload.sub);
    const clientId = typeof payload.client_id === 'string' ? payload.client_id : (payload.azp ?? subject);
    const verified = {
      subject,
      clientId: String(clientId),
      scopes: scopesOf(payload),
      expiresAt: Number(payload.exp),
    };
    // Only under a key set that stayed the same throughout: a verdict reached while the set was
    // being fetched (or replaced by SIGHUP) is not remembered, the next request checks again.
    if (keysFetchedAt !== undefined && keySet === this.#keySet && fetchedAt(keySet) === keysFetchedAt) {
      this.#verdicts.set(digest, { token: verified, keysFetchedAt });
    }
    return verified;
  }
}

function fetchedAt(keySet: JWKSCacheInput): number | undefined {
  return 'uat' in keySet ? keySet.uat : undefined;
}

/** Tokens are bearer secrets: only their digests are kept. */
function digestOf(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
