/**
 * A real authorization stack for the auth tests: `beacon auth-server` and a protected Beacon, both
 * started through the shared process helper, with the files they read written to a temp dir.
 */

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthTokens,
} from '@modelcontextprotocol/client';
import { importJWK, type JWK, type JWTPayload, SignJWT } from 'jose';
import { hashPassword } from '../../src/auth-server/passwords.js';
import { createApiKey } from '../../src/server/auth/api-keys.js';
import { type BeaconProcess, type StartOptions, startBeacon } from './beacon-process.js';

export const USERS = {
  alice: { password: 'alice-correct-horse-7', scopes: undefined },
  viewer: { password: 'viewer-battery-staple-9', scopes: [] as string[] },
} as const;
export const MACHINE = { clientId: 'machine', secret: 'machine-secret-4f1b2c9d8e7a' };
/** A confidential client that may not obtain mcp:tools, for the step-up refusal. */
export const LIMITED = { clientId: 'limited', secret: 'limited-secret-0a9b8c7d6e5f' };

export interface AuthFixtures {
  dir: string;
  keysFile: string;
  /** API keys by holder: alice and bob may call tools, lister may only list. */
  keys: { alice: string; bob: string; lister: string };
  /** Every secret the fixtures hold, for the log-hygiene check. */
  secrets: string[];
  cleanup(): Promise<void>;
}

export async function writeAuthFixtures(): Promise<AuthFixtures> {
  const dir = await mkdtemp(join(tmpdir(), 'beacon-auth-'));
  const alice = createApiKey('alice', ['mcp:tools']);
  const bob = createApiKey('bob', ['mcp:tools']);
  const lister = createApiKey('lister', []);
  const keysFile = join(dir, 'api-keys.json');
  await writeFile(keysFile, JSON.stringify([alice.entry, bob.entry, lister.entry]));
  const users = await Promise.all(
    Object.entries(USERS).map(async ([username, user]) => ({
      username,
      password: await hashPassword(user.password),
      ...(user.scopes && { scopes: user.scopes }),
    })),
  );
  await writeFile(join(dir, 'users.json'), JSON.stringify(users));
  await writeFile(
    join(dir, 'clients.json'),
    JSON.stringify([
      { client_id: MACHINE.clientId, client_secret: MACHINE.secret, scope: 'mcp:tools' },
      { client_id: LIMITED.clientId, client_secret: LIMITED.secret, scope: 'openid' },
    ]),
  );
  return {
    dir,
    keysFile,
    keys: { alice: alice.key, bob: bob.key, lister: lister.key },
    secrets: [
      alice.key,
      bob.key,
      lister.key,
      MACHINE.secret,
      LIMITED.secret,
      ...Object.values(USERS).map((u) => u.password),
    ],
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export async function startAuthServerProcess(
  fixtures: AuthFixtures,
): Promise<{ process: BeaconProcess; issuer: string }> {
  const process = await startBeacon({
    args: ['auth-server'],
    env: {
      AUTH_SERVER_PORT: '0',
      AUTH_SERVER_DATA_DIR: join(fixtures.dir, 'as-data'),
      AUTH_SERVER_USERS_FILE: join(fixtures.dir, 'users.json'),
      AUTH_SERVER_CLIENTS_FILE: join(fixtures.dir, 'clients.json'),
    },
  });
  const listening = await process.waitForLog((e) => e.msg === 'listening');
  return { process, issuer: String(listening.issuer) };
}

/** A free TCP port: PUBLIC_URL (the token audience) must name the port before Beacon starts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startProtectedBeacon(
  fixtures: AuthFixtures,
  issuer: string | undefined,
  env: Record<string, string> = {},
  options: Omit<StartOptions, 'env'> = {},
): Promise<BeaconProcess> {
  const port = await freePort();
  return startBeacon({
    ...options,
    env: {
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}/mcp`,
      AUTH_MODE: issuer ? 'apikey,oauth' : 'apikey',
      API_KEYS_FILE: fixtures.keysFile,
      ...(issuer && { OAUTH_ISSUER: issuer }),
      ...env,
    },
  });
}

/** Signs a token with the authorization server's own key, for claims it would never issue (expired, foreign iss). */
export async function signWithIssuerKey(fixtures: AuthFixtures, payload: JWTPayload): Promise<string> {
  const jwks = JSON.parse(await readFile(join(fixtures.dir, 'as-data', 'jwks.json'), 'utf8')) as {
    keys: JWK[];
  };
  const jwk = jwks.keys[0] as JWK;
  const key = await importJWK(jwk, 'RS256');
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: jwk.kid }).sign(key);
}

/** The issuer's public key as PEM, the secret an "HS256 under an RS key" forgery uses. */
export async function issuerPublicJwk(fixtures: AuthFixtures): Promise<JWK> {
  const jwks = JSON.parse(await readFile(join(fixtures.dir, 'as-data', 'jwks.json'), 'utf8')) as {
    keys: JWK[];
  };
  const { kty, n, e, kid } = jwks.keys[0] as JWK;
  return { kty, n, e, kid };
}

/** Fetches a token for `resource` with client credentials, as any client of the server would. */
export async function clientCredentialsToken(
  issuer: string,
  client: { clientId: string; secret: string },
  resource: string,
  scope = 'mcp:tools',
): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!res.ok || !body.access_token)
    throw new Error(`token request failed: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/**
 * An SDK OAuthClientProvider for a test "browser": it records the authorization URL instead of
 * opening it, and `signIn` plays the user on the login page, returning the callback query.
 */
export class TestOAuthProvider implements OAuthClientProvider {
  readonly redirectUrl = 'http://127.0.0.1:9/callback';
  readonly clientMetadata: OAuthClientMetadata = {
    client_name: 'Beacon test client',
    redirect_uris: [this.redirectUrl],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
  authorizationUrls: URL[] = [];
  private client: OAuthClientInformationMixed | undefined;
  private saved: OAuthTokens | undefined;
  private verifier = '';
  private discovery: unknown;
  lastState = '';

  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  state() {
    this.lastState = crypto.randomUUID();
    return this.lastState;
  }
  saveDiscoveryState(state: unknown) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery as never;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrls.push(url);
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }

  /** Follows the authorization URL to the login page, posts the form, and returns the redirect's query. */
  async signIn(username: string, password: string): Promise<URLSearchParams> {
    const url = this.authorizationUrls.at(-1);
    if (!url) throw new Error('no authorization URL was issued');
    return (await signInAt(url, username, password, this.redirectUrl)).searchParams;
  }
}

/**
 * Plays a browser through oidc-provider's redirects with a minimal cookie jar, up to the redirect
 * to `redirectUrl`, which it returns without following.
 */
export async function signInAt(
  start: URL,
  username: string,
  password: string,
  redirectUrl: string,
): Promise<URL> {
  const jar = new Map<string, string>();
  const send = async (url: URL, init: RequestInit = {}) => {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        Cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return res;
  };
  let res = await send(start);
  let url = start;
  for (let hop = 0; hop < 10; hop++) {
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      url = new URL(location, url);
      if (url.href.startsWith(redirectUrl)) return url;
      res = await send(url);
      continue;
    }
    const html = await res.text();
    const action = /<form method="post" action="([^"]+\/login)"/.exec(html)?.[1];
    if (!action) throw new Error(`no login form at ${url.href} (HTTP ${res.status}): ${html.slice(0, 300)}`);
    url = new URL(action, url);
    res = await send(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username, password }),
    });
    if (res.status === 401) throw new Error('sign-in refused');
  }
  throw new Error('too many redirects');
}

/** Fails when any secret appears anywhere in the captured output. */
export function leakedSecrets(output: string, secrets: readonly string[]): string[] {
  return secrets.filter((secret) => secret.length >= 8 && output.includes(secret));
}

export interface ProtectedStack {
  fixtures: AuthFixtures;
  auth: { process: BeaconProcess; issuer: string };
  beacon: BeaconProcess;
}

/**
 * The auth server and a protected Beacon for one suite: started before its tests, stopped after
 * them, and then checked that none of the suite's secrets (plus `moreSecrets`, such as tokens the
 * tests saw) reached either server's output.
 */
export function useProtectedStack(moreSecrets: () => readonly string[] = () => []): ProtectedStack {
  const stack = {} as Partial<ProtectedStack>;
  before(async () => {
    stack.fixtures = await writeAuthFixtures();
    stack.auth = await startAuthServerProcess(stack.fixtures);
    stack.beacon = await startProtectedBeacon(stack.fixtures, stack.auth.issuer);
  });
  after(async () => {
    await stack.beacon?.stop();
    await stack.auth?.process.stop();
    const output = [stack.beacon, stack.auth?.process]
      .map((p) => `${p?.lines.join('\n')}\n${p?.stderr()}`)
      .join('\n');
    assert.deepEqual(leakedSecrets(output, [...(stack.fixtures?.secrets ?? []), ...moreSecrets()]), []);
    await stack.fixtures?.cleanup();
  });
  return stack as ProtectedStack;
}
