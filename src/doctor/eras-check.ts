import { type CheckResult, type DoctorContext, fail, ok, reason, skip, warn } from './check.js';
import { describeFailure, openConnection } from './session.js';

const NAME = 'eras';

type Probe = { era: string; served: boolean | undefined; note?: string };

async function probeStreamable(ctx: DoctorContext, era: 'modern' | 'legacy'): Promise<Probe> {
  const label = era === 'modern' ? '2026-07-28' : '2025-11-25';
  try {
    const connection = await openConnection(ctx, era);
    const version = connection.protocolVersion;
    await connection.close();
    // A 2025-era server may settle on an older revision (2025-03-26, 2025-06-18): say which.
    return { era: label, served: true, note: version !== label ? `(as ${version})` : undefined };
  } catch (error) {
    const failure = describeFailure(error, ctx);
    return failure.auth
      ? { era: label, served: undefined, note: 'needs credentials' }
      : { era: label, served: false };
  }
}

/** The deprecated 2024-11-05 HTTP+SSE transport: GET /sse opens its stream (then we hang up). */
async function probeSse(ctx: DoctorContext): Promise<Probe> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  try {
    const headers: Record<string, string> = { Accept: 'text/event-stream' };
    if (ctx.staticAuthorization) headers.Authorization = ctx.staticAuthorization;
    const res = await ctx.fetch(new URL('/sse', ctx.url), { headers, signal: controller.signal });
    const served =
      res.status === 200 && (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
    if (res.status === 401 || res.status === 403)
      return { era: '2024-11-05', served: undefined, note: 'needs an API key or token' };
    return { era: '2024-11-05', served };
  } catch (error) {
    return { era: '2024-11-05', served: undefined, note: reason(error) };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** Which protocol eras answer at this URL: what old and new clients can expect. */
export async function checkEras(ctx: DoctorContext): Promise<CheckResult> {
  const probes = [
    await probeStreamable(ctx, 'modern'),
    await probeStreamable(ctx, 'legacy'),
    await probeSse(ctx),
  ];
  const served = probes
    .filter((p) => p.served === true)
    .map((p) => [p.era, p.note].filter(Boolean).join(' '));
  const unknown = probes.filter((p) => p.served === undefined).map((p) => `${p.era} (${p.note})`);
  const off = probes.filter((p) => p.served === false).map((p) => p.era);
  const detail = [
    served.length > 0 ? `served: ${served.join(', ')}` : undefined,
    off.length > 0 ? `not served: ${off.join(', ')}` : undefined,
    unknown.length > 0 ? `not checked: ${unknown.join(', ')}` : undefined,
  ]
    .filter(Boolean)
    .join('; ');
  if (served.length > 0) return ok(NAME, detail);
  if (unknown.length === probes.length) return skip(NAME, detail);
  if (unknown.length > 0) return warn(NAME, detail, 'pass credentials to check the rest');
  return fail(NAME, detail, 'check that the URL is the MCP endpoint and that the proxy routes it');
}
