import { once, setMaxListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { McpServer } from '@modelcontextprotocol/server';
import type { Config } from '../config.js';
import { VERSION } from '../version.js';
import { createApp } from './app.js';
import { createAuthLayer } from './auth/layer.js';
import { createHttpServer } from './http-server.js';
import { InflightCalls } from './inflight.js';
import type { AnyTool } from './mcp/server.js';
import type { McpLayerName } from './mcp-layer-names.js';
import { createLogger } from './observability/logger.js';
import { buildInfo } from './observability/metrics.js';
import { startMetricsListener } from './observability/metrics-server.js';
import { createSharedState } from './shared/create-shared-state.js';
import { createLimiterStores } from './shared/limiter-store.js';
import { productionTools } from './tools/index.js';

export interface ServeOptions {
  /** Test-only hook (conformance fixtures); production never passes it. */
  registerExtras?: (server: McpServer) => void;
  /** Bench-only: tools served beside the production ones through the same notifier; production never passes it. */
  extraTools?: readonly AnyTool[];
  /** Bench-only: `/mcp` layers left out, to measure each one's cost (`bench:ab`); production never passes it. */
  withoutLayers?: ReadonlySet<McpLayerName>;
}

export interface RunningServer {
  url: string;
  /**
   * Drains and stops: out of rotation (/readyz 503) while still serving for SHUTDOWN_DELAY_MS, then
   * no new connections, running calls finish within SHUTDOWN_GRACE_MS, sessions close.
   */
  close(): Promise<void>;
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

export async function serve(config: Config, options: ServeOptions = {}): Promise<RunningServer> {
  const logger = createLogger(config);
  const inflight = new InflightCalls();
  const shutdown = new AbortController();
  // Every call in flight listens on it (see either-signal.ts): hundreds at once are normal, not a leak.
  setMaxListeners(0, shutdown.signal);
  // REDIS_URL set: replicas share state through Redis. Never awaited: Beacon serves what needs no
  // shared state while Redis is away, and /readyz says 503 until it has been reached once. The
  // Redis client is loaded only then: it is about 200 ms of start-up that one process never uses.
  const connection = config.redis
    ? (await import('./shared/redis/connection.js')).createSharedConnection(config, logger)
    : undefined;
  const limiterStores = await createLimiterStores(connection, logger);
  const readiness = {
    draining: false,
    refusingWork: false,
    ready() {
      return !this.draining;
    },
    ...(connection && { sharedStore: () => connection.status() }),
  };
  const auth = await createAuthLayer(config, logger, limiterStores);
  const shared = createSharedState(config, logger, connection);
  const { app, listener, sessions, sseSessions } = createApp({
    config,
    logger,
    tools: [...productionTools(config), ...(options.extraTools ?? [])],
    inflight,
    shutdownSignal: shutdown.signal,
    readiness,
    auth,
    shared,
    limiterStores,
    registerExtras: options.registerExtras,
    withoutLayers: options.withoutLayers,
  });
  buildInfo.set({ version: VERSION, node_version: process.version }, 1);
  const metrics = await startMetricsListener(config.metrics, logger);

  const http = createHttpServer(app, config.timeouts, listener).listen(config.port, config.host);
  await once(http, 'listening');
  const url = urlOf(http.address() as AddressInfo);
  logger.info({ url, mcp: `${url}/mcp`, version: VERSION }, 'listening');

  // SIGHUP re-reads API_KEYS_FILE and forgets verified tokens: keys are added and revoked, and an
  // issuer's revoked signing key stops counting, without dropping a connection.
  const reloadCredentials = () => {
    if (auth.forgetTokens()) logger.info('verified tokens forgotten; issuer keys fetched again on next use');
    if (!auth.modes.includes('apikey')) return;
    auth.reloadKeys().then(
      (count) => logger.info({ keys: count }, 'API keys reloaded'),
      (error: Error) => logger.error({ err: error.message }, 'API keys not reloaded; previous keys kept'),
    );
  };
  if (auth.modes.length > 0) process.on('SIGHUP', reloadCredentials);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // 1. Out of rotation: /readyz says 503 at once, while requests are still served for as long
      // as the load balancer's health check (or Kubernetes' endpoints) needs to notice.
      readiness.draining = true;
      process.off('SIGHUP', reloadCredentials);
      logger.info(
        { inflight: inflight.count, delay_ms: config.shutdownDelayMs, grace_ms: config.shutdownGraceMs },
        'draining',
      );
      if (config.shutdownDelayMs > 0) await sleep(config.shutdownDelayMs);
      // 2. No new connections; idle kept-alive ones close now, and a request that still arrives on
      // a busy one is refused with 503 and `Connection: close` (app.ts) rather than left to race.
      readiness.refusingWork = true;
      http.close();
      http.closeIdleConnections();
      logger.info({ inflight: inflight.count }, 'stopped accepting connections');
      // 3. Running calls finish within the grace period; past it they end with an error result.
      const finished = await inflight.waitIdle(config.shutdownGraceMs);
      if (!finished) {
        logger.warn({ inflight: inflight.count }, 'grace period over; stopping remaining calls');
        // Calls end with an error result the client can act on; give those a moment to be written.
        shutdown.abort();
        await inflight.waitIdle(1000);
      }
      await Promise.all([sessions.closeAll(), sseSessions?.closeAll()]);
      await shared.close();
      http.closeAllConnections();
      await connection?.close();
      await metrics.close();
      logger.info('stopped');
    })();
    return closing;
  };
  return { url, close };
}
