import { createHash, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../../config.js';
import type { Logger } from './logger.js';
import { registry } from './metrics.js';

export interface MetricsListener {
  url: string;
  close(): Promise<void>;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Whether an `Authorization` header carries the expected bearer token. Both sides are hashed
 * first so the comparison takes the same time whatever the length or content of a guess.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  const offered = match?.[1] ?? '';
  return timingSafeEqual(digest(offered), digest(token)) && offered.length > 0;
}

function answer(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers }).end(`${text}\n`);
}

/**
 * `GET /metrics` for Prometheus on its own listener (METRICS_HOST:METRICS_PORT), so the public
 * port never exposes it and Caddy never routes to it. With METRICS_TOKEN set, a scraper must send
 * it as a bearer token (`authorization.credentials` in a Prometheus scrape config).
 */
export async function startMetricsListener(
  config: Config['metrics'],
  logger: Logger,
): Promise<MetricsListener> {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') return answer(res, 404, 'Not found: metrics are at /metrics');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return answer(res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
    }
    if (config.token !== undefined && !bearerMatches(req.headers.authorization, config.token)) {
      return answer(res, 401, 'Unauthorized: a bearer token is required', {
        'WWW-Authenticate': 'Bearer realm="beacon-metrics"',
      });
    }
    try {
      const body = await registry.metrics();
      res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (error) {
      logger.error({ err: error }, 'metrics collection failed');
      answer(res, 500, 'Metrics collection failed');
    }
  };
  const server = createServer((req, res) => void handle(req, res));
  server.listen(config.port, config.host);
  try {
    await once(server, 'listening');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`metrics listener could not start on METRICS_HOST:METRICS_PORT: ${reason}`);
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}/metrics`;
  logger.info({ url, token_required: config.token !== undefined }, 'metrics listening');
  return {
    url,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
  };
}
