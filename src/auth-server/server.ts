import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { REDACTION } from '../server/observability/logger.js';
import type { AuthServerConfig } from './config.js';
import { loadClients, Users } from './directory.js';
import { interactionRoutes } from './interactions.js';
import { createProvider } from './provider.js';
import { loadOrCreateSigningKeys } from './signing-keys.js';

export interface RunningAuthServer {
  issuer: string;
  close(): Promise<void>;
}

/**
 * `beacon auth-server`: the development OAuth 2.1 authorization server. It binds first, so that
 * with no AUTH_SERVER_ISSUER the issuer can name the real port (AUTH_SERVER_PORT=0 in tests).
 */
export async function startAuthServer(config: AuthServerConfig): Promise<RunningAuthServer> {
  const logger = pino({
    level: config.logLevel,
    base: { service: 'beacon-auth-server' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...REDACTION,
  });
  const [users, clients, signing] = await Promise.all([
    Users.load(config.usersFile),
    loadClients(config.clientsFile),
    loadOrCreateSigningKeys(config.keysFile),
  ]);
  if (signing.created) logger.info({ file: config.keysFile }, 'generated a signing key');

  let handler: express.Express | undefined;
  const http = createServer((req, res) => {
    if (handler) return handler(req, res);
    res.writeHead(503).end();
  });
  http.listen(config.port, config.host);
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  const issuer = config.issuer ?? `http://127.0.0.1:${port}`;

  const provider = createProvider({
    issuer,
    signingKeys: signing.keys,
    clients,
    accessTokenTtl: config.accessTokenTtl,
    findAccount: (id) => users.find(id) !== undefined,
  });
  // Failures only, and by name: error descriptions can quote client input.
  const failed = (event: string) => (_ctx: unknown, error: Error) =>
    logger.info({ event, err: error.name }, 'oauth error');
  provider.on('grant.error', failed('grant.error'));
  provider.on('server_error', failed('server_error'));
  provider.on('authorization.error', failed('authorization.error'));
  provider.on('registration_create.error', failed('registration_create.error'));
  provider.on('grant.success', (ctx: { oidc?: { client?: { clientId?: string } } }) =>
    logger.info({ client: ctx.oidc?.client?.clientId }, 'token issued'),
  );

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // RFC 8414 clients look here first; oidc-provider publishes the same document at the OIDC location.
  app.get('/.well-known/oauth-authorization-server', (req, _res, next) => {
    req.url = '/.well-known/openid-configuration';
    next();
  });
  app.use(interactionRoutes(provider, users, logger));
  app.use(provider.callback());
  handler = app;

  logger.info(
    { url: `http://${config.host}:${port}`, issuer, clients: clients.length, users: users.size },
    'listening',
  );
  return {
    issuer,
    async close() {
      http.close();
      http.closeAllConnections();
      await once(http, 'close').catch(() => undefined);
    },
  };
}
