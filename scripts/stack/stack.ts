import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { type BeaconProcess, startBeacon } from '../../test/helpers/beacon-process.js';
import { type RedisServer, startRedis } from '../../test/helpers/redis-server.js';
import { untilReady } from '../../test/helpers/replicas.js';
import { type RunningCaddy, startCaddy } from './caddy.js';

/**
 * The compose topology as local processes: Caddy (Debian's package, the repository's Caddyfile,
 * configured only through its env placeholders) in front of `beacon serve` and
 * `beacon auth-server`, all on loopback. With `replicas` > 1 it is the replicated topology of
 * compose.replicas.yml: Debian's `redis-server` (password set) and that many replicas sharing it,
 * behind Caddy's static upstream list. `npm run stack` and the end-to-end tests share it.
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
  /** How many `beacon serve` replicas; more than one adds a redis-server they share (default 1). */
  replicas?: number;
  /**
   * Whether the replicas keep their state in that redis-server; default: when there are several.
   * One replica with Redis is the bench's measure of what the shared state costs.
   */
  redis?: boolean;
}

export interface Stack {
  /** https://localhost:<port>/mcp, the server's PUBLIC_URL. */
  mcpUrl: string;
  /** https://localhost:<port>, the authorization server's issuer. */
  issuer: string;
  caFile: string;
  caPem: string;
  /** The first replica; `servers` holds them all, in upstream order. */
  server: BeaconProcess;
  servers: BeaconProcess[];
  /** The shared redis-server, when there are several replicas or `redis` asked for it. */
  redis?: RedisServer;
  /** The replicas' REDIS_URL, password included, when there is a redis-server. */
  redisUrl?: string;
  auth: BeaconProcess;
  caddy: RunningCaddy;
  dir: string;
  /**
   * Stops replica `index` (SIGTERM drains it; SIGKILL is a crash), starts it again on the same
   * port and resolves once it is ready: one step of a rolling restart.
   */
  restartReplica(index: number, signal?: 'SIGTERM' | 'SIGKILL'): Promise<BeaconProcess>;
  stop(): Promise<void>;
}

/** A port on 127.0.0.1, held by a listener until `release()` so that no other socket takes it meanwhile. */
export interface HeldPort {
  port: number;
  release(): Promise<void>;
}

export async function holdFreePort(): Promise<HeldPort> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  let released: Promise<void> | undefined;
  const release = () => {
    released ??= new Promise<void>((done) => server.close(() => done()));
    return released;
  };
  if (address === null || typeof address === 'string') {
    await release();
    throw new Error('no free port');
  }
  return { port: address.port, release };
}

export async function freePort(): Promise<number> {
  const held = await holdFreePort();
  await held.release();
  return held.port;
}

/** Keeps a process's JSON log lines in `file` as well: what it said so far, then what follows. */
function logTo(process: BeaconProcess, file: string): void {
  const out = createWriteStream(file, { flags: 'a' });
  out.write(process.lines.map((line) => `${line}\n`).join(''));
  process.child.stdout?.on('data', (chunk: Buffer | string) => out.write(chunk));
  process.child.stderr?.on('data', (chunk: Buffer | string) => out.write(chunk));
  // 'close', not 'exit': output can still arrive after the exit, until the pipes close.
  process.child.once('close', () => out.end());
}

const given = (port: number): HeldPort => ({ port, release: async () => {} });
const orFree = async (port: number | undefined) =>
  port === undefined || port === 0 ? holdFreePort() : given(port);

export async function startStack(options: StackOptions): Promise<Stack> {
  const dir = resolve(options.dir);
  await mkdir(join(dir, 'caddy'), { recursive: true });
  // Caddy's ports stay held until Caddy starts: the auth server, the replicas and every client
  // connection in between take ports from the same range, and one of them would make Caddy's
  // bind fail with "address already in use".
  const held = await Promise.all([
    orFree(options.httpsPort),
    orFree(options.authPort),
    orFree(options.httpPort),
    holdFreePort(),
    holdFreePort(),
  ]);
  const [httpsPort, authPort, httpPort, adminPort, metricsPort] = [
    held[0].port,
    held[1].port,
    held[2].port,
    held[3].port,
    held[4].port,
  ];
  const releasePorts = () => Promise.all(held.map((each) => each.release()));
  const mcpUrl = `https://localhost:${httpsPort}/mcp`;
  const issuer = `https://localhost:${authPort}`;

  const started: Array<{ stop(): Promise<unknown> }> = [{ stop: releasePorts }];
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
    const count = options.replicas ?? 1;
    if (!Number.isInteger(count) || count < 1)
      throw new Error(`replicas: expected a whole number ≥ 1, got ${count}`);
    let redis: RedisServer | undefined;
    let redisUrl = '';
    if (options.redis ?? count > 1) {
      // As in compose: Redis needs a password even on loopback.
      const password = randomBytes(18).toString('base64url');
      redis = await startRedis(['--requirepass', password]);
      started.push(redis);
      redisUrl = `redis://:${password}@127.0.0.1:${redis.port}`;
    }
    const serverEnv = (index: number, port: number): Record<string, string> => ({
      PORT: String(port),
      PUBLIC_URL: mcpUrl,
      TRUST_PROXY: '1',
      AUTH_MODE: 'apikey,oauth',
      API_KEYS_FILE: join(ROOT, 'deploy/dev-secrets/api-keys.json'),
      OAUTH_ISSUER: issuer,
      OAUTH_JWKS_URL: `${auth.origin}/jwks`,
      LOG_LEVEL: 'info',
      ...(redis ? { REDIS_URL: redisUrl, REPLICA_ID: `replica-${index + 1}` } : {}),
      ...options.serverEnv,
    });
    const logFile = (index: number) => join(dir, count > 1 ? `server-${index + 1}.log` : 'server.log');
    const startServer = async (index: number, port: number) => {
      const server = await startBeacon({ env: serverEnv(index, port) });
      logTo(server, logFile(index));
      if (redis) await untilReady(server);
      return server;
    };
    const servers = await Promise.all(Array.from({ length: count }, (_, i) => startServer(i, 0)));
    // Stopped through `servers`, which a restart updates, so the replica running then is the one stopped.
    started.push({ stop: () => Promise.all(servers.map((server) => server.stop())) });
    await releasePorts();
    const caddy = await startCaddy({
      caddyfile: join(ROOT, 'Caddyfile'),
      dir: join(dir, 'caddy'),
      logFile: join(dir, 'caddy.log'),
      readyWhen: { host: 'localhost', port: httpsPort },
      env: {
        SITE_ADDRESS: 'localhost',
        AUTH_SITE_ADDRESS: `localhost:${authPort}`,
        MCP_UPSTREAM: servers.map((server) => `127.0.0.1:${server.port}`).join(' '),
        AUTH_UPSTREAM: `127.0.0.1:${auth.port}`,
        CADDY_BIND: '127.0.0.1',
        CADDY_HTTP_PORT: String(httpPort),
        CADDY_HTTPS_PORT: String(httpsPort),
        CADDY_ADMIN: `127.0.0.1:${adminPort}`,
        CADDY_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
      },
    });
    started.push(caddy);
    const restartReplica = async (index: number, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
      const old = servers[index];
      if (!old) throw new Error(`no replica ${index}; the stack has ${servers.length}`);
      await old.stop(signal);
      const server = await startServer(index, old.port);
      servers[index] = server;
      return server;
    };
    return {
      mcpUrl,
      issuer,
      caFile: caddy.caFile,
      caPem: caddy.caPem,
      get server() {
        return servers[0] as BeaconProcess;
      },
      servers,
      redis,
      redisUrl: redis ? redisUrl : undefined,
      auth,
      caddy,
      dir,
      restartReplica,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
