/** The parts of a W3C trace context that go on log lines, so they join a distributed trace. */
export interface TraceContext {
  trace_id: string;
  span_id: string;
}

const VERSION_00 = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
// A later version may append fields after the flags; its first four fields keep their meaning.
const LATER_VERSION = /^(?!ff)[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(?:-.*)?$/;
const ALL_ZEROS = /^0+$/;

/**
 * Reads a `traceparent` value (W3C Trace Context §3.2), e.g.
 * `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`. Anything malformed, including
 * upper-case hex, version `ff` and all-zero ids, yields `undefined`: the spec says to ignore it,
 * and a forged value must never reach a log line.
 */
export function parseTraceparent(value: unknown): TraceContext | undefined {
  if (typeof value !== 'string' || value.length > 512) return undefined;
  const trimmed = value.trim();
  const match = trimmed.startsWith('00-') ? VERSION_00.exec(trimmed) : LATER_VERSION.exec(trimmed);
  if (!match) return undefined;
  const [, traceId, spanId] = match as unknown as [string, string, string];
  if (ALL_ZEROS.test(traceId) || ALL_ZEROS.test(spanId)) return undefined;
  return { trace_id: traceId, span_id: spanId };
}

/** `params._meta` of a JSON-RPC request body, where an MCP client may carry `traceparent`. */
export function metaOfBody(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const params = (body as { params?: unknown }).params;
  if (typeof params !== 'object' || params === null) return undefined;
  return (params as { _meta?: unknown })._meta;
}

/**
 * The trace context of one request: the HTTP `traceparent` header wins over the one in `_meta`,
 * as it is what a tracing proxy in front of Beacon would set.
 */
export function traceContextOf(header: unknown, meta: unknown): TraceContext | undefined {
  const inMeta =
    typeof meta === 'object' && meta !== null ? (meta as { traceparent?: unknown }).traceparent : undefined;
  return parseTraceparent(header) ?? parseTraceparent(inMeta);
}
