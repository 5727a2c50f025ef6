import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The one metrics registry. Every module imports its metrics from here; nothing creates its own
 * registry. Label values are bounded: route templates, registered tool names, fixed enums. Never
 * a raw path, session id or principal.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'beacon_' });
// prom-client also exports these sums as gauges named `_total`, which Prometheus reserves for
// counters (`promtool check metrics` flags them). The per-type gauges without the suffix stay.
for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total']) {
  registry.removeSingleMetric(`beacon_nodejs_${name}`);
}

export type Era = '2026-07-28' | '2025-11-25' | '2024-11-05';
export type StreamKind = 'post' | 'standalone' | 'legacy_sse';
export type RejectReason =
  | 'origin'
  | 'host'
  | 'auth'
  | 'scope'
  | 'rate_limit'
  | 'body_too_large'
  | 'bad_request'
  | 'session_not_found'
  | 'session_limit'
  /** SIGTERM received and SHUTDOWN_DELAY_MS over: new work is refused while running calls finish. */
  | 'draining'
  /** MAX_CALLS_PER_PRINCIPAL: one principal already runs its share of calls (429). */
  | 'call_quota'
  /** RATE_LIMIT_PER_MINUTE: one principal sent too many requests this minute (429). */
  | 'request_rate'
  /** MAX_CONCURRENT_CALLS: the process runs all the calls it may (503). */
  | 'call_capacity'
  /** MAX_STREAMS: the process holds all the SSE streams it may (503). */
  | 'stream_capacity'
  /** REDIS_URL set and Redis unreachable or slower than REDIS_TIMEOUT_MS: a sessionful request gets 503. */
  | 'shared_state_unavailable';

export const httpRequestDuration = new Histogram({
  name: 'beacon_http_request_duration_seconds',
  help: 'HTTP request duration until the response ends (streams included), by route template.',
  labelNames: ['method', 'route', 'status_class'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [registry],
});

export const toolCalls = new Counter({
  name: 'beacon_tool_calls_total',
  help: 'Tool calls finished, by tool and outcome.',
  labelNames: ['tool', 'outcome'] as const,
  registers: [registry],
});

export const toolCallDuration = new Histogram({
  name: 'beacon_tool_call_duration_seconds',
  help: 'Tool call duration from start to result or cancellation.',
  labelNames: ['tool'] as const,
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800],
  registers: [registry],
});

export const notificationsSent = new Counter({
  name: 'beacon_notifications_sent_total',
  help: 'Notifications handed to a client stream, by type, log level and protocol era.',
  labelNames: ['type', 'level', 'era'] as const,
  registers: [registry],
});

export const notificationFirst = new Histogram({
  name: 'beacon_notification_first_seconds',
  help: 'Time from the start of a tool call to its first notification.',
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

export const notificationsDropped = new Counter({
  name: 'beacon_notifications_dropped_total',
  help: 'Notifications not sent, by reason: cancelled, level_filtered, rate_limited or stream_closed.',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const sessionsActive = new Gauge({
  name: 'beacon_sessions_active',
  help: 'Live sessions this replica holds a copy of, by protocol era.',
  labelNames: ['era'] as const,
  registers: [registry],
});

export const sessionsAdopted = new Counter({
  name: 'beacon_sessions_adopted_total',
  help: 'Sessions this replica served without having created them (rebuilt from the shared store).',
  registers: [registry],
});

export const streamsOpen = new Gauge({
  name: 'beacon_streams_open',
  help: 'Open SSE streams, by kind.',
  labelNames: ['kind'] as const,
  registers: [registry],
});

/**
 * What every session's event store holds, kept as plain numbers: a store changes on every
 * notification it keeps, and a gauge update there would cost more than the bookkeeping itself.
 * The gauges read these when scraped.
 */
export const eventStoreTotals = { events: 0, bytes: 0 };

export const eventStoreEvents = new Gauge({
  name: 'beacon_event_store_events',
  help: 'Events held for resumption across all sessions.',
  registers: [registry],
  collect() {
    this.set(eventStoreTotals.events);
  },
});

export const eventStoreBytes = new Gauge({
  name: 'beacon_event_store_bytes',
  help: 'Bytes of serialised events held for resumption across all sessions.',
  registers: [registry],
  collect() {
    this.set(eventStoreTotals.bytes);
  },
});

export const callLeasesExpired = new Counter({
  name: 'beacon_call_leases_expired_total',
  help: 'Calls answered with an error for a replica that stopped while running them (their lease expired).',
  registers: [registry],
});

export const eventStoreWriteErrors = new Counter({
  name: 'beacon_event_store_write_errors_total',
  help: 'Events the shared (Redis) event store failed to keep; they were still sent on the live stream.',
  registers: [registry],
});

export const requestsRejected = new Counter({
  name: 'beacon_requests_rejected_total',
  help: 'Requests refused before reaching a tool, by reason.',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const authResults = new Counter({
  name: 'beacon_auth_total',
  help: 'Authentication attempts, by credential kind and result.',
  labelNames: ['kind', 'result'] as const,
  registers: [registry],
});

/**
 * Registered only when REDIS_URL is set (`registerRedisMetrics`), so that one process keeping its
 * state in memory never reports a Redis that is "down".
 */
export const redisUp = new Gauge({
  name: 'beacon_redis_up',
  help: '1 while this replica is connected to Redis (REDIS_URL), 0 while it reconnects.',
  registers: [],
});

export function registerRedisMetrics(): void {
  if (!registry.getSingleMetric('beacon_redis_up')) registry.registerMetric(redisUp);
}

export const redisCommandDuration = new Histogram({
  name: 'beacon_redis_command_duration_seconds',
  help: 'Time Redis took to answer a command, or until REDIS_TIMEOUT_MS gave up on it, by command.',
  labelNames: ['command'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const buildInfo = new Gauge({
  name: 'beacon_build_info',
  help: 'Always 1; the labels carry the Beacon and Node.js versions.',
  labelNames: ['version', 'node_version'] as const,
  registers: [registry],
});
