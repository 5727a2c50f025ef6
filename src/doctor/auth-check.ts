import {
  type CheckResult,
  type DoctorContext,
  fail,
  initializeBody,
  MCP_POST_HEADERS,
  ok,
  reason,
  warn,
} from './check.js';

/** `resource_metadata="…"` from a `WWW-Authenticate: Bearer …` challenge (RFC 9728 §5.1). */
export function resourceMetadataOf(challenge: string | null): string | undefined {
  if (challenge === null || !/^Bearer\b/i.test(challenge.trim())) return undefined;
  return /resource_metadata="([^"]+)"/i.exec(challenge)?.[1];
}

/** Where an issuer's metadata lives: RFC 8414 (path inserted after the well-known prefix), then OIDC. */
export function metadataUrlsOf(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}/.well-known/openid-configuration${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
}

async function json(ctx: DoctorContext, url: string): Promise<Record<string, unknown> | undefined> {
  const res = await ctx.fetch(url, {
    headers: { Accept: 'application/json' },
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) {
    await res.body?.cancel();
    return undefined;
  }
  return (await res.json()) as Record<string, unknown>;
}

/**
 * What a spec-following client does with no credentials: POST, get a 401 whose challenge names the
 * protected-resource metadata, read it, then read the authorization server's metadata. Each step
 * is one line; the first broken one explains why clients cannot sign in.
 */
export async function checkAuthChallenge(
  ctx: DoctorContext,
): Promise<{ results: CheckResult[]; open: boolean }> {
  let res: Response;
  try {
    res = await ctx.fetch(ctx.url, {
      method: 'POST',
      headers: MCP_POST_HEADERS,
      body: initializeBody(),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    return { results: [fail('auth challenge', `request failed: ${reason(error)}`)], open: false };
  }
  await res.body?.cancel();
  if (res.status === 200) {
    const results = [
      warn(
        'auth challenge',
        'the endpoint answers without credentials: authentication is off',
        'set AUTH_MODE (apikey, oauth) unless this is a loopback-only server',
      ),
    ];
    return { results, open: true };
  }
  if (res.status !== 401) {
    const results = [
      fail(
        'auth challenge',
        `expected 401 without credentials, got ${res.status}`,
        'check that the URL is the MCP endpoint (…/mcp)',
      ),
    ];
    return { results, open: false };
  }
  const metadataUrl = resourceMetadataOf(res.headers.get('www-authenticate'));
  if (metadataUrl === undefined) {
    const results = [
      fail(
        'auth challenge',
        '401 without a Bearer resource_metadata="…" challenge: clients cannot discover how to sign in',
        'serve RFC 9728 metadata and name it in WWW-Authenticate',
      ),
    ];
    return { results, open: false };
  }
  const results = [ok('auth challenge', `401 names ${metadataUrl}`)];

  const resource = await json(ctx, metadataUrl).catch(() => undefined);
  if (resource === undefined) {
    results.push(
      fail(
        'resource metadata',
        `${metadataUrl} does not answer with JSON`,
        'route /.well-known/oauth-protected-resource* to the server on the proxy',
      ),
    );
    return { results, open: false };
  }
  const servers = Array.isArray(resource.authorization_servers)
    ? resource.authorization_servers.map(String)
    : [];
  if (resource.resource !== ctx.url.href) {
    results.push(
      fail(
        'resource metadata',
        `resource is ${JSON.stringify(resource.resource)}, not ${ctx.url.href}: tokens bound to this URL will be refused`,
        'set PUBLIC_URL to the URL clients use',
      ),
    );
  } else if (servers.length === 0) {
    results.push(
      warn(
        'resource metadata',
        'names no authorization server: only API keys can work',
        'set OAUTH_ISSUER for OAuth clients',
      ),
    );
    return { results, open: false };
  } else {
    results.push(
      ok('resource metadata', `resource ${ctx.url.href}, authorization server ${servers.join(', ')}`),
    );
  }

  for (const issuer of servers) {
    let metadata: Record<string, unknown> | undefined;
    for (const url of metadataUrlsOf(issuer)) {
      metadata = await json(ctx, url).catch(() => undefined);
      if (metadata !== undefined) break;
    }
    if (metadata === undefined) {
      results.push(
        fail(
          'authorization server',
          `no RFC 8414 or OpenID metadata for ${issuer}`,
          'check OAUTH_ISSUER and that the issuer is reachable from clients',
        ),
      );
    } else if (metadata.issuer !== issuer) {
      results.push(
        fail(
          'authorization server',
          `metadata says issuer ${JSON.stringify(metadata.issuer)}, resource metadata says ${issuer}: clients must reject it`,
          'make OAUTH_ISSUER exactly the issuer the authorization server announces (AUTH_SERVER_ISSUER for the development one)',
        ),
      );
    } else if (typeof metadata.token_endpoint !== 'string') {
      results.push(fail('authorization server', `${issuer} announces no token_endpoint`));
    } else {
      results.push(
        ok(
          'authorization server',
          `issuer ${issuer} matches its metadata; token endpoint ${metadata.token_endpoint}`,
        ),
      );
    }
  }
  return { results, open: false };
}
