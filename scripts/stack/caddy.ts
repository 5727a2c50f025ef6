import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:tls';

export interface CaddyOptions {
  /** The Caddyfile to run, configured only through its env placeholders. */
  caddyfile: string;
  /** Caddy's data (internal CA, certificates) and config live here, not in the user's home. */
  dir: string;
  /** The Caddyfile's placeholders: SITE_ADDRESS, CADDY_HTTPS_PORT, MCP_UPSTREAM... */
  env: Record<string, string>;
  /** Where TLS is checked before Caddy counts as ready, e.g. { host: 'localhost', port: 8443 }. */
  readyWhen: { host: string; port: number };
  /** Caddy's own log lines (JSON) are appended here. */
  logFile: string;
  timeoutMs?: number;
}

export interface RunningCaddy {
  /** PEM file of Caddy's internal root CA: what clients must trust. */
  caFile: string;
  caPem: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Where Caddy keeps the root of its internal CA (`tls internal`, localhost names). */
export function caddyRootCa(dataHome: string): string {
  return join(dataHome, 'caddy', 'pki', 'authorities', 'local', 'root.crt');
}

/** One TLS handshake that must verify against `caPem` for `host`; resolves false on any failure. */
function handshakes(host: string, port: number, caPem: string): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port, servername: host, ca: caPem, timeout: 2000 });
    socket.once('secureConnect', () => {
      socket.end();
      done(true);
    });
    socket.once('error', () => done(false));
    socket.once('timeout', () => {
      socket.destroy();
      done(false);
    });
  });
}

/**
 * Runs Debian's `caddy` with the given Caddyfile and waits until it serves a certificate its own
 * root CA vouches for (the CA and the leaf are created asynchronously after start-up).
 */
export async function startCaddy(options: CaddyOptions): Promise<RunningCaddy> {
  const dataHome = join(options.dir, 'data');
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn('caddy', ['run', '--config', options.caddyfile, '--adapter', 'caddyfile'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: options.dir,
      XDG_DATA_HOME: dataHome,
      XDG_CONFIG_HOME: join(options.dir, 'config'),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
    log.write(chunk);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const spawned = await Promise.race([
    once(child, 'spawn').then(() => undefined),
    once(child, 'error').then(([error]) => error as NodeJS.ErrnoException),
  ]);
  if (spawned !== undefined) {
    throw new Error(
      spawned.code === 'ENOENT'
        ? 'caddy is not installed (Debian/Ubuntu: apt-get install caddy)'
        : `caddy did not start: ${spawned.message}`,
    );
  }

  // 'close', not 'exit': Caddy's last lines can still arrive after the exit, until the pipes close.
  const closed = once(child, 'close');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await closed;
    log.end();
  };

  const caFile = caddyRootCa(dataHome);
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (existsSync(caFile)) {
      const caPem = await readFile(caFile, 'utf8');
      if (await handshakes(options.readyWhen.host, options.readyWhen.port, caPem)) {
        return { caFile, caPem, child, stop };
      }
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`caddy did not come up with TLS on port ${options.readyWhen.port}: ${output.slice(-1500)}`);
}
