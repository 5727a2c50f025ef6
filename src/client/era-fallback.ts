import { SdkHttpError } from '@modelcontextprotocol/client';
import type { EraChoice } from './args.js';
import { type Connection, type ConnectSettings, connect } from './connect.js';
import { connectSse } from './sse-connect.js';

/**
 * JSON-RPC codes only a Streamable HTTP endpoint answers with when it refuses a request
 * (2026-07-28: header mismatch, missing client capability, unsupported protocol version). A server
 * that says one of these speaks Streamable HTTP, so falling back to HTTP+SSE would be wrong.
 */
const MODERN_REFUSALS = new Set([-32020, -32021, -32022]);

/** Statuses after which the spec's backward-compatibility check tries the old transport. */
const FALLBACK_STATUSES = new Set([400, 404, 405]);

function jsonRpcErrorCode(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const body = JSON.parse(text) as { jsonrpc?: unknown; error?: { code?: unknown } };
    return body.jsonrpc === '2.0' && typeof body.error?.code === 'number' ? body.error.code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The transports spec's backward-compatibility rule for clients: when the Streamable HTTP POST
 * fails with 400, 404 or 405, and the answer is not a recognised modern refusal, the URL may be an
 * old HTTP+SSE endpoint; try `GET` on it for an `endpoint` event. Anything else (auth, network,
 * 5xx) is a real failure and is reported as it is. Returns the status that calls for the
 * fallback, or undefined when there should be none.
 */
export function sseFallbackStatus(error: unknown): number | undefined {
  let link: unknown = error;
  for (let depth = 0; link !== undefined && link !== null && depth < 8; depth++) {
    if (link instanceof SdkHttpError) {
      if (!FALLBACK_STATUSES.has(link.status)) return undefined;
      const code = jsonRpcErrorCode(link.data.text);
      return code !== undefined && MODERN_REFUSALS.has(code) ? undefined : link.status;
    }
    link = (link as { cause?: unknown }).cause;
  }
  return undefined;
}

export type AnyEraSettings = Omit<ConnectSettings, 'era'> & { era: EraChoice };

/**
 * Connects in the era asked for. `auto` tries Streamable HTTP (2026-07-28, then 2025-11-25
 * sessions) and falls back to HTTP+SSE on the same URL, so `…/mcp` and `…/sse` both work.
 */
export async function connectAnyEra(settings: AnyEraSettings): Promise<Connection> {
  const { era } = settings;
  if (era === 'sse') return connectSse(settings);
  if (era !== 'auto') return connect({ ...settings, era });
  try {
    return await connect({ ...settings, era });
  } catch (error) {
    const status = sseFallbackStatus(error);
    if (settings.signal?.aborted || status === undefined) throw error;
    settings.onNotice(`no Streamable HTTP at ${settings.url.href} (HTTP ${status}); trying HTTP+SSE`);
    return connectSse(settings);
  }
}
