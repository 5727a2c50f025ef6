import { parseSamples, sampleValue } from '../../test/helpers/metrics.js';

/** What the soak reads from the target's own Prometheus endpoint (the metrics port). */
export interface ServerReading {
  rssBytes: number;
  heapUsedBytes: number;
  /** Live sessions, every era. */
  sessionsOpen: number;
  /** Open SSE streams, every kind. */
  streamsOpen: number;
  /** `process_items` calls finished, by outcome. */
  calls: { ok: number; cancelled: number; error: number };
  /** Requests refused before reaching a tool (quotas, rate limit, auth...), by reason. */
  rejected: Record<string, number>;
}

export async function readServer(metricsUrl: string): Promise<ServerReading> {
  const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`${metricsUrl} answered ${res.status}`);
  const text = await res.text();
  const calls = (outcome: string) =>
    sampleValue(text, 'beacon_tool_calls_total', { tool: 'process_items', outcome });
  return {
    rssBytes: sampleValue(text, 'beacon_process_resident_memory_bytes'),
    heapUsedBytes: sampleValue(text, 'beacon_nodejs_heap_size_used_bytes'),
    sessionsOpen: sampleValue(text, 'beacon_sessions_active'),
    streamsOpen: sampleValue(text, 'beacon_streams_open'),
    calls: { ok: calls('ok'), cancelled: calls('cancelled'), error: calls('error') },
    rejected: Object.fromEntries(
      parseSamples(text)
        .filter((s) => s.name === 'beacon_requests_rejected_total' && s.value > 0)
        .map((s) => [s.labels.reason ?? 'unknown', s.value]),
    ),
  };
}
