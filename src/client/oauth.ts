import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  auth,
  ClientCredentialsProvider,
  discoverOAuthProtectedResourceMetadata,
  type FetchLike,
  type OAuthClientInformationContext,
  type OAuthClientInformationMixed,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type OAuthTokens,
} from '@modelcontextprotocol/client';
import { LoopbackCallback } from './loopback-callback.js';
import { TokenCache, userConfigDir } from './token-cache.js';

/** How long `beacon call --oauth` waits for the user to finish signing in. */
const SIGN_IN_TIMEOUT_MS = 5 * 60_000;

export interface OAuthContext {
  url: URL;
  fetch: FetchLike;
  env: Record<string, string | undefined>;
  /** One-line remarks for the user (the sign-in URL goes here). */
  onNotice: (message: string) => void;
  /** Try to open the sign-in URL in a browser (a terminal session, not a script). */
  openBrowser: boolean;
  signal?: AbortSignal;
}

/** A sign-in refused at the authorization server, or a callback that does not belong to this flow. */
export class SignInError extends Error {
  override name = 'SignInError';
}

/**
 * The issuer this MCP server trusts, from its RFC 9728 metadata. Credentials are then pinned to it
 * (the SDK's `expectedIssuer`), so a server cannot later redirect them to another issuer.
 */
export async function discoverIssuer(url: URL, fetchFn: FetchLike): Promise<string> {
  const metadata = await discoverOAuthProtectedResourceMetadata(url, undefined, fetchFn);
  const issuer = metadata.authorization_servers?.[0];
  if (!issuer) throw new SignInError(`${url.origin} names no authorization server in its resource metadata`);
  return issuer;
}

export async function clientCredentialsProvider(
  options: { clientId: string; clientSecret: string; issuer: string | undefined },
  context: OAuthContext,
): Promise<ClientCredentialsProvider> {
  return new ClientCredentialsProvider({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    expectedIssuer: options.issuer ?? (await discoverIssuer(context.url, context.fetch)),
    clientName: 'beacon call',
  });
}

function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  try {
    spawn(command, args as string[], { stdio: 'ignore', detached: true })
      .on('error', () => undefined)
      .unref();
  } catch {
    // No browser here: the printed URL is enough.
  }
}

/**
 * Authorization code + PKCE for a person at a terminal (RFC 8252): a loopback redirect, the
 * sign-in URL printed (and opened when a browser is there), Dynamic Client Registration on first
 * use, and the registration and tokens cached per issuer. The SDK drives the protocol; this class
 * is its storage and its "browser".
 */
export class InteractiveOAuthProvider implements OAuthClientProvider {
  private verifier: string | undefined;
  private discovery: OAuthDiscoveryState | undefined;
  private lastState = '';
  private pending: Promise<URLSearchParams> | undefined;

  private constructor(
    private readonly context: OAuthContext,
    private readonly cache: TokenCache,
    private readonly callback: LoopbackCallback,
  ) {}

  static async create(issuer: string | undefined, context: OAuthContext): Promise<InteractiveOAuthProvider> {
    const resolved = issuer ?? (await discoverIssuer(context.url, context.fetch));
    const cache = await TokenCache.open(userConfigDir(context.env), resolved);
    return new InteractiveOAuthProvider(context, cache, await LoopbackCallback.listen());
  }

  get redirectUrl(): string {
    return this.callback.redirectUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'beacon call',
      redirect_uris: [this.callback.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    };
  }

  private get resource(): string {
    return this.context.url.href;
  }

  clientInformation(ctx?: OAuthClientInformationContext) {
    // A registration is only ever sent back to the issuer that issued it.
    return ctx && ctx.issuer !== this.cache.issuer ? undefined : this.cache.client;
  }

  async saveClientInformation(info: OAuthClientInformationMixed) {
    await this.cache.update((record) => {
      record.client = info;
    });
  }

  tokens() {
    return this.cache.tokensFor(this.resource);
  }

  async saveTokens(tokens: OAuthTokens) {
    await this.cache.update((record) => {
      record.tokens[this.resource] = tokens;
    });
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'verifier' || scope === 'all') this.verifier = undefined;
    if (scope === 'discovery' || scope === 'all') this.discovery = undefined;
    if (scope === 'client' || scope === 'tokens' || scope === 'all') {
      await this.cache.update((record) => {
        if (scope !== 'tokens') record.client = undefined;
        delete record.tokens[this.resource];
      });
    }
  }

  state() {
    this.lastState = randomUUID();
    return this.lastState;
  }

  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }

  codeVerifier() {
    if (!this.verifier) throw new SignInError('no PKCE verifier: the sign-in was not started here');
    return this.verifier;
  }

  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovery = state;
  }

  discoveryState() {
    return this.discovery;
  }

  /** Called by the SDK, at first sign-in and on a step-up: show the URL and start waiting for the redirect. */
  redirectToAuthorization(url: URL) {
    this.context.onNotice(`sign in to continue: ${url.href}`);
    if (this.context.openBrowser) openInBrowser(url.href);
    const timeout = AbortSignal.timeout(SIGN_IN_TIMEOUT_MS);
    const signal = this.context.signal ? AbortSignal.any([this.context.signal, timeout]) : timeout;
    this.pending = this.callback.wait(this.lastState, signal);
  }

  /** Signs in unless tokens for this server are cached; then the transport uses (and refreshes) them. */
  async signIn(): Promise<void> {
    if (this.tokens()) return;
    const result = await auth(this, { serverUrl: this.context.url, fetchFn: this.context.fetch });
    if (result === 'REDIRECT') await this.finishPendingSignIn();
  }

  /**
   * Completes a sign-in the SDK started (first use, or a step-up after 403 insufficient_scope).
   * Resolves false when none is pending. The SDK checks `iss` (RFC 9207) before exchanging the code.
   */
  async finishPendingSignIn(): Promise<boolean> {
    const pending = this.pending;
    if (!pending) return false;
    this.pending = undefined;
    const params = await pending;
    const error = params.get('error');
    // The error text comes from the redirect and is not trusted: only its code is shown.
    if (error) throw new SignInError(`sign-in refused by the authorization server (${error.slice(0, 64)})`);
    const code = params.get('code');
    if (!code) throw new SignInError('the sign-in redirect carried no authorization code');
    await auth(this, {
      serverUrl: this.context.url,
      authorizationCode: code,
      iss: params.get('iss') ?? undefined,
      fetchFn: this.context.fetch,
    });
    return true;
  }

  close(): void {
    this.callback.close();
  }
}
