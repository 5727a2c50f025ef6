import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Endpoint } from './http.js';
import { freePort } from './targets.js';

/**
 * Caddy terminating TLS (`tls internal`) in front of the targets, as in the deployment, on
 * 127.0.0.1 only. One site per target; SSE passes through unbuffered (Caddy flushes
 * text/event-stream at once). Its own data directory, so nothing touches a system trust store.
 */
export interface CaddyProxy {
  /** The https endpoint that reaches `upstream` through Caddy. */
  endpointFor(upstream: Endpoint): Endpoint;
  stop(): Promise<void>;
}

export function caddyAvailable(): boolean {
  return ['/usr/bin/caddy', '/usr/local/bin/caddy'].some((path) => existsSync(path));
}

export async function startCaddy(upstreams: readonly Endpoint[]): Promise<CaddyProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-bench-caddy-'));
  const ports = new Map<string, number>();
  for (const upstream of upstreams) ports.set(upstream.url.host, await freePort());
  const sites = [...ports].map(
    ([host, port]) =>
      `https://localhost:${port} {\n  bind 127.0.0.1\n  tls internal\n  reverse_proxy ${host}\n}`,
  );
  const caddyfile = join(dir, 'Caddyfile');
  writeFileSync(
    caddyfile,
    `{\n  admin off\n  skip_install_trust\n  auto_https disable_redirects\n}\n${sites.join('\n')}\n`,
  );
  const child: ChildProcess = spawn('caddy', ['run', '--config', caddyfile, '--adapter', 'caddyfile'], {
    env: { PATH: process.env.PATH ?? '', HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errText = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    errText = (errText + chunk).slice(-4000);
  });
  const root = join(dir, 'caddy/pki/authorities/local/root.crt');
  const deadline = performance.now() + 20_000;
  while (!existsSync(root)) {
    if (child.exitCode !== null || performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`caddy did not start: ${errText.slice(-1000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 500));
  const ca = readFileSync(root, 'utf8');
  return {
    endpointFor(upstream) {
      const port = ports.get(upstream.url.host);
      if (port === undefined) throw new Error(`no Caddy site for ${upstream.url.host}`);
      return {
        url: new URL(`https://localhost:${port}/mcp`),
        headers: upstream.headers,
        ca,
        connectTo: '127.0.0.1',
      };
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
