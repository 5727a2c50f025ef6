import { once, setMaxListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/server';
import type { Config } from '../config.js';
import { VERSION } from '../version.js';
import { createApp } from './app.js';
import { createAuthLayer } from './auth/layer.js';
import { createHttpServer } from './http-server.js';
import { InflightCalls } from './inflight.js';
import type { AnyTool } from './mcp/server.js';
import { createLogger } from './observability/logger.js';
import { buildInfo } from './observability/metrics.js';
import { startMetricsListener } from './observability/metrics-server.js';
import { productionTools } from './tools/index.js';

export interface ServeOptions {
  /** Test-only hook (conformance fixtures); production never passes it. */
  registerExtras?: (server: McpServer) => void;
  /** Bench-only: tools served beside the production ones through the same notifier; production never passes it. */
  extraTools?: readonly AnyTool[];
}

export interface RunningServer {
  url: string;
  /** Drains and stops: refuse new work, let calls finish within the grace period, close sessions. */
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
  const readiness = {
    draining: false,
    ready() {
      return !this.draining;
    },
  };
  const auth = await createAuthLayer(config, logger);
  const { app, sessions, sseSessions } = createApp({
    config,
    logger,
    tools: [...productionTools(config), ...(options.extraTools ?? [])],
    inflight,
    shutdownSignal: shutdown.signal,
    readiness,
    auth,
    registerExtras: options.registerExtras,
  });
  buildInfo.set({ version: VERSION, node_version: process.version }, 1);
  const metrics = await startMetricsListener(config.metrics, logger);

  const http = createHttpServer(app, config.timeouts).listen(config.port, config.host);
  await once(http, 'listening');
  const url = urlOf(http.address() as AddressInfo);
  logger.info({ url, mcp: `${url}/mcp`, version: VERSION }, 'listening');

  // SIGHUP re-reads API_KEYS_FILE: keys are added and revoked without dropping a connection.
  const reloadKeys = () => {
    auth.reloadKeys().then(
      (count) => logger.info({ keys: count }, 'API keys reloaded'),
      (error: Error) => logger.error({ err: error.message }, 'API keys not reloaded; previous keys kept'),
    );
  };
  if (auth.modes.includes('apikey')) process.on('SIGHUP', reloadKeys);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      readiness.draining = true;
      process.off('SIGHUP', reloadKeys);
      logger.info({ inflight: inflight.count, grace_ms: config.shutdownGraceMs }, 'draining');
      // Still accepting connections while calls finish: /readyz answers 503 so the proxy stops
      // routing here, and new work gets a 503 refusal rather than a refused connection.
      http.closeIdleConnections();
      const finished = await inflight.waitIdle(config.shutdownGraceMs);
      if (!finished) {
        logger.warn({ inflight: inflight.count }, 'grace period over; stopping remaining calls');
        // Calls end with an error result the client can act on; give those a moment to be written.
        shutdown.abort();
        await inflight.waitIdle(1000);
      }
      http.close();
      await Promise.all([sessions.closeAll(), sseSessions?.closeAll()]);
      http.closeAllConnections();
      await metrics.close();
      logger.info('stopped');
    })();
    return closing;
  };
  return { url, close };
}
