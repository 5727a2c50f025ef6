import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createLogger, type Logger } from '../../../../src/server/observability/logger.js';

/** An in-process express app on a free loopback port, with its JSON log lines captured. */
export async function serveApp(
  build: (app: express.Express, logger: Logger) => void,
  logLevel: 'info' | 'debug' | 'trace' = 'debug',
) {
  const lines: string[] = [];
  const logger = createLogger(
    { logLevel, logFormat: 'json', replicaId: 'test' },
    { write: (line: string) => lines.push(line) },
  );
  const app = express();
  build(app, logger);
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    lines,
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
