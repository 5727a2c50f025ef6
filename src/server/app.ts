import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/server';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Config } from '../config.js';
import type { AuthLayer } from './auth/layer.js';
import { principalIdOf, quotaKeyOf } from './auth/principal.js';
import { refuseQueryCredentials } from './auth/query-token.js';
import { resourceMetadataUrl } from './auth/resource-metadata.js';
import { classicProcess } from './classic-stream.js';
import { HttpError, httpErrorOf, JsonRpcCode, sendJsonRpcError } from './http-errors.js';
import type { InflightCalls } from './inflight.js';
import { withCachedJsonSchema } from './mcp/cached-json-schema.js';
import { mcpEndpoint } from './mcp/endpoint.js';
import { deprecationHeaders, LegacySseSessions, legacySseRoutes } from './mcp/legacy-sse.js';
import { type AnyTool, createMcpServer } from './mcp/server.js';
import { LegacySessions } from './mcp/sessions.js';
import { mcpFirst } from './mcp-first.js';
import type { McpLayerName } from './mcp-layer-names.js';
import { healthz, type Readiness, readyz } from './observability/health.js';
import { httpMetrics } from './observability/http-metrics.js';
import type { Logger } from './observability/logger.js';
import { requestLog, traceRequestLog } from './observability/request-log.js';
import { bodyErrors, jsonBody } from './security/body.js';
import { callAdmission } from './security/call-admission.js';
import { CallQuotas } from './security/call-quotas.js';
import { corsFor } from './security/cors.js';
import { hostOriginGuard } from './security/host-origin.js';
import { requestRateLimit } from './security/rate-limit.js';
import { originFormTarget } from './security/request-target.js';
import { securityHeaders } from './security/security-headers.js';
import { streamAdmission } from './security/stream-admission.js';
import type { LimiterStores } from './shared/limiter-store.js';
import type { SharedState } from './shared/shared-state.js';

/** Everything the app needs, built once at start-up and passed down. */
export interface AppContext {
  config: Config;
  logger: Logger;
  tools: readonly AnyTool[];
  inflight: InflightCalls;
  shutdownSignal: AbortSignal;
  /** `refusingWork`: SIGTERM's SHUTDOWN_DELAY_MS is over, so new requests get 503. */
  readiness: Readiness & { refusingWork: boolean };
  /** Credentials and scopes (see auth/layer.ts); with AUTH_MODE=none it lets everything through. */
  auth: AuthLayer;
  /** What replicas share (sessions, events, control); in memory with one process. */
  shared: SharedState;
  /** Counters of the per-minute rate limit: in memory, or in Redis for every replica. */
  limiterStores: LimiterStores;
  registerExtras?: (server: McpServer) => void;
  /** Bench-only: `/mcp` layers left out by name, to measure each one's cost; production never passes it. */
  withoutLayers?: ReadonlySet<McpLayerName>;
}

type Named = [McpLayerName, RequestHandler];
const handlers = (layers: readonly Named[]) => layers.map(([, handler]) => handler);

export interface BeaconApp {
  app: express.Express;
  /** The server's request listener: `/mcp` straight through its layers, the rest through `app`. */
  listener: (req: IncomingMessage, res: ServerResponse) => void;
  sessions: LegacySessions;
  /** The deprecated HTTP+SSE sessions; undefined unless LEGACY_SSE=true. */
  sseSessions: LegacySseSessions | undefined;
}

/** The principal a request was authenticated as; `anonymous` when auth is off. */
function principalOf(req: Request): string {
  return principalIdOf(req) ?? 'anonymous';
}

function notFound(_req: Request, res: Response): void {
  sendJsonRpcError(res, new HttpError(404, JsonRpcCode.MethodNotFound, 'Not found'));
}

/** The last word on any error: a JSON-RPC body, never express's HTML page or a stack trace. */
function lastWord(error: unknown, req: Request, res: Response, _next: NextFunction): void {
  const answer = httpErrorOf(error);
  // A 5xx with a reason is a deliberate refusal (counted, and its cause logged where it arose).
  if (answer.status >= 500 && answer.reason === undefined) req.log?.error({ err: error }, 'unhandled error');
  else if (!(error instanceof HttpError)) {
    // A client's mistake: say why at warn, without a stack.
    req.log?.warn({ reason: (error as Error)?.message, status: answer.status }, 'request refused');
  }
  sendJsonRpcError(res, answer);
}

/**
 * Once the drain stops accepting, new work is refused so running calls can finish within the
 * grace period. Before that (SHUTDOWN_DELAY_MS) only /readyz says 503 and everything is served.
 */
function refuseWhileDraining(readiness: AppContext['readiness']): RequestHandler {
  return (_req, res, next) => {
    if (!readiness.refusingWork) return next();
    res.set('Connection', 'close');
    sendJsonRpcError(
      res,
      new HttpError(503, JsonRpcCode.ServerError, 'Server is shutting down', 'draining', {
        'Retry-After': '1',
      }),
    );
  };
}

/** Assembles the express app. The order of the layers matters; see ARCHITECTURE.md. */
export function createApp(ctx: AppContext): BeaconApp {
  const { config, logger } = ctx;
  const serverDeps = {
    config,
    logger,
    // Converted to JSON Schema once here, not on every request (see cached-json-schema.ts).
    tools: ctx.tools.map((tool) => ({
      ...tool,
      inputSchema: withCachedJsonSchema(tool.inputSchema),
      outputSchema: withCachedJsonSchema(tool.outputSchema),
    })),
    inflight: ctx.inflight,
    shutdownSignal: ctx.shutdownSignal,
    leases: ctx.shared.leases,
    registerExtras: ctx.registerExtras,
  };
  const sessions = new LegacySessions({
    config,
    logger,
    shared: ctx.shared,
    principalOf,
    buildServer: (state) => createMcpServer(serverDeps, { era: '2025-11-25', session: state }),
  });
  const sseSessions = config.legacySse
    ? new LegacySseSessions({
        config,
        logger,
        directory: ctx.shared.sessions,
        control: ctx.shared.control,
        principalOf,
        buildServer: (state) => createMcpServer(serverDeps, { era: '2024-11-05', session: state }),
      })
    : undefined;

  const app = express();
  app.disable('x-powered-by');
  // Only the proxy hops we run may set X-Forwarded-* (TRUST_PROXY; exactly one behind Caddy).
  app.set('trust proxy', Array.isArray(config.trustProxy) ? [...config.trustProxy] : config.trustProxy);

  // Security first: nothing below runs for a request these refuse. `POST http://host/mcp`
  // (absolute form) becomes `/mcp` with that Host before anything reads either.
  const front: Named[] = [
    ['security-headers', securityHeaders()],
    ['request-log', requestLog(logger)],
    ['http-metrics', httpMetrics],
    ['origin-form', originFormTarget],
    ['query-credentials', refuseQueryCredentials],
  ];
  app.use(handlers(front));
  app.get('/healthz', healthz);
  app.get('/readyz', readyz(ctx.readiness));
  // Before any refusal, so a 403 or 401 on the deprecated paths still points at the migration guide.
  if (sseSessions) app.use(['/sse', '/messages'], deprecationHeaders(config.legacySseDocsUrl));
  const cors = corsFor(config.corsOrigins);
  const guards: Named[] = [
    ['host-origin', hostOriginGuard(config.allowedHosts, config.allowedOrigins)],
    ...(cors ? [['cors', cors] satisfies Named] : []),
    ['drain', refuseWhileDraining(ctx.readiness)],
  ];
  app.use(handlers(guards));
  // Public discovery documents, then a credential on everything else, before the body is even read.
  if (ctx.auth.metadata) app.use(ctx.auth.metadata);
  const { quotas } = config;
  const checks: Named[] = [
    ['authenticate', ctx.auth.authenticate],
    // Before the body is read: a client over its rate costs no parsing.
    ...(quotas.ratePerMinute > 0
      ? [
          [
            'rate-limit',
            requestRateLimit({
              perMinute: quotas.ratePerMinute,
              store: ctx.limiterStores.create('requests'),
              logger: ctx.limiterStores.logger,
              keyOf: quotaKeyOf,
            }),
          ] satisfies Named,
        ]
      : []),
    ['json-body', jsonBody(config.bodyLimitBytes, config.maxJsonDepth)],
    ['authorize', ctx.auth.authorize],
    ['trace-log', traceRequestLog],
    // Before any tool runs or stream opens; the per-principal refusal first, as the more specific one.
    [
      'call-admission',
      callAdmission(
        new CallQuotas({ perPrincipal: quotas.callsPerPrincipal, total: quotas.concurrentCalls }),
        quotaKeyOf,
      ),
    ],
    ['stream-admission', streamAdmission(quotas.streams)],
  ];
  app.use(handlers(checks));

  const endpoint = mcpEndpoint({
    sessions,
    buildModernServer: () => createMcpServer(serverDeps, { era: '2026-07-28' }),
    keepAliveMs: config.sseKeepAliveMs,
    maxBodyBytes: config.bodyLimitBytes,
    logger,
    inflight: ctx.inflight,
  });
  app.all('/mcp', endpoint);
  // Behind the same layers as /mcp: Host/Origin, CORS, drain, auth, body limit.
  if (sseSessions) app.use(legacySseRoutes(sseSessions));
  app.post(
    '/classic/process',
    classicProcess({
      logger,
      inflight: ctx.inflight,
      resourceMetadataUrl: ctx.auth.modes.length > 0 ? resourceMetadataUrl(config.publicUrl) : undefined,
    }),
  );

  app.use(notFound);
  const errors = [bodyErrors(config.maxJsonDepth), lastWord];
  app.use(errors);

  // The discovery router and the deprecation headers answer other paths only, so `/mcp` skips them.
  const without = ctx.withoutLayers ?? new Set();
  const mcpLayers = [...front, ...guards, ...checks].filter(([name]) => !without.has(name));
  const listener = mcpFirst(app, { layers: [...handlers(mcpLayers), endpoint], notFound, errors });
  return { app, listener, sessions, sseSessions };
}
