import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { type BeaconProcess, startBeacon } from '../../test/helpers/beacon-process.js';
import { type RunningCaddy, startCaddy } from './caddy.js';

/**
 * The compose topology as local processes: Caddy (Debian's package, the repository's Caddyfile,
 * configured only through its env placeholders) in front of `beacon serve` and
 * `beacon auth-server`, all on loopback. `npm run stack` and the end-to-end tests share it.
 */

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The development credentials of deploy/dev-secrets (public, localhost only): the API key whose
 * hash api-keys.json holds, and the confidential client of oauth-clients.json.
 */
export const DEV_API_KEY = 'bk_local-development-only-0123456789abcdefghijklmnop';
export const DEV_CLIENT = { id: 'beacon-demo-client', secret: 'local-development-only-client-secret' };

export interface StackOptions {
  /** Caddy's data (its CA), the auth server's keys and every log file go here. */
  dir: string;
  /** Public ports on 127.0.0.1; 0 picks a free one. */
  httpsPort?: number;
  authPort?: number;
  httpPort?: number;
  /** Extra environment for `beacon serve`. */
  serverEnv?: Record<string, string>;
}

export interface Stack {
  /** https://localhost:<port>/mcp, the server's PUBLIC_URL. */
  mcpUrl: string;
  /** https://localhost:<port>, the authorization server's issuer. */
  issuer: string;
  caFile: string;
  caPem: string;
  server: BeaconProcess;
  auth: BeaconProcess;
  caddy: RunningCaddy;
  dir: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Keeps a process's JSON log lines in `file` as well: what it said so far, then what follows. */
function logTo(process: BeaconProcess, file: string): void {
  const out = createWriteStream(file, { flags: 'a' });
  out.write(process.lines.map((line) => `${line}\n`).join(''));
  process.child.stdout?.on('data', (chunk: Buffer | string) => out.write(chunk));
  process.child.stderr?.on('data', (chunk: Buffer | string) => out.write(chunk));
  process.child.once('exit', () => out.end());
}

const orFree = async (port: number | undefined) => (port === undefined || port === 0 ? freePort() : port);

export async function startStack(options: StackOptions): Promise<Stack> {
  const dir = resolve(options.dir);
  await mkdir(join(dir, 'caddy'), { recursive: true });
  const [httpsPort, authPort, httpPort, adminPort, metricsPort] = await Promise.all([
    orFree(options.httpsPort),
    orFree(options.authPort),
    orFree(options.httpPort),
    freePort(),
    freePort(),
  ]);
  const mcpUrl = `https://localhost:${httpsPort}/mcp`;
  const issuer = `https://localhost:${authPort}`;

  const started: Array<{ stop(): Promise<unknown> }> = [];
  const stop = async () => {
    await Promise.allSettled(started.reverse().map((part) => part.stop()));
  };
  try {
    const auth = await startBeacon({
      args: ['auth-server'],
      env: {
        AUTH_SERVER_HOST: '127.0.0.1',
        AUTH_SERVER_PORT: '0',
        AUTH_SERVER_ISSUER: issuer,
        AUTH_SERVER_CLIENTS_FILE: join(ROOT, 'deploy/dev-secrets/oauth-clients.json'),
        AUTH_SERVER_USERS_FILE: join(ROOT, 'deploy/dev-secrets/users.json'),
        AUTH_SERVER_DATA_DIR: join(dir, 'auth'),
        LOG_LEVEL: 'info',
      },
    });
    started.push(auth);
    logTo(auth, join(dir, 'auth.log'));
    const server = await startBeacon({
      env: {
        PUBLIC_URL: mcpUrl,
        TRUST_PROXY: '1',
        AUTH_MODE: 'apikey,oauth',
        API_KEYS_FILE: join(ROOT, 'deploy/dev-secrets/api-keys.json'),
        OAUTH_ISSUER: issuer,
        OAUTH_JWKS_URL: `${auth.origin}/jwks`,
        LOG_LEVEL: 'info',
        ...options.serverEnv,
      },
    });
    started.push(server);
    logTo(server, join(dir, 'server.log'));
    const caddy = await startCaddy({
      caddyfile: join(ROOT, 'Caddyfile'),
      dir: join(dir, 'caddy'),
      logFile: join(dir, 'caddy.log'),
      readyWhen: { host: 'localhost', port: httpsPort },
      env: {
        SITE_ADDRESS: 'localhost',
        AUTH_SITE_ADDRESS: `localhost:${authPort}`,
        MCP_UPSTREAM: `127.0.0.1:${server.port}`,
        AUTH_UPSTREAM: `127.0.0.1:${auth.port}`,
        CADDY_BIND: '127.0.0.1',
        CADDY_HTTP_PORT: String(httpPort),
        CADDY_HTTPS_PORT: String(httpsPort),
        CADDY_ADMIN: `127.0.0.1:${adminPort}`,
        CADDY_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
      },
    });
    started.push(caddy);
    return { mcpUrl, issuer, caFile: caddy.caFile, caPem: caddy.caPem, server, auth, caddy, dir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
