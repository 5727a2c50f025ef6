import {
  type CheckResult,
  type DoctorContext,
  fail,
  initializeBody,
  MCP_POST_HEADERS,
  ok,
  reason,
} from './check.js';

const NAME = 'CORS';

/**
 * Browser-based clients need CORS, and need to read `Mcp-Session-Id` (2025 sessions) and
 * `WWW-Authenticate` (sign-in discovery) from responses: a browser hides any header the server
 * does not list in `Access-Control-Expose-Headers`. Off is fine for every non-browser client.
 */
export async function checkCors(ctx: DoctorContext, origin: string): Promise<CheckResult> {
  try {
    const preflight = await ctx.fetch(ctx.url, {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,authorization,mcp-session-id,mcp-protocol-version',
      },
      signal: AbortSignal.timeout(10_000),
    });
    await preflight.body?.cancel();
    if (preflight.headers.get('access-control-allow-origin') === null) {
      return ok(
        NAME,
        `off for ${origin} (browser pages on other origins cannot call; other clients are unaffected)`,
      );
    }
    const res = await ctx.fetch(ctx.url, {
      method: 'POST',
      headers: { ...MCP_POST_HEADERS, Origin: origin },
      body: initializeBody(),
      signal: AbortSignal.timeout(10_000),
    });
    await res.body?.cancel();
    const exposed = (res.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(/\s*,\s*/);
    const missing = ['mcp-session-id', 'www-authenticate'].filter((h) => !exposed.includes(h));
    return missing.length === 0
      ? ok(NAME, `on for ${origin}; Mcp-Session-Id and WWW-Authenticate are exposed`)
      : fail(
          NAME,
          `on for ${origin} but ${missing.join(' and ')} not exposed: browser clients cannot keep a session or sign in`,
          'add them to Access-Control-Expose-Headers (on the proxy too, if it sets CORS)',
        );
  } catch (error) {
    return fail(NAME, `request failed: ${reason(error)}`);
  }
}
