import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createClient, type RedisClientType } from 'redis';

/** A real Debian `redis-server` on a free loopback port, for tests of the shared-state mode. */
export interface RedisServer {
  /** redis://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Stops it (SIGTERM) and waits for the exit; `start()` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Servers not stopped yet: killed if this process exits first (a crash, a failed assertion). */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const proc of live) proc.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((done) => probe.close(done));
  return port;
}

/**
 * Starts `redis-server` with nothing persisted, bound to 127.0.0.1, and waits until it accepts
 * connections. `extraArgs` adds settings such as `--requirepass`; `chosenPort` is a free port the
 * caller chose (the bench takes its ports from its own block), else one the OS hands out.
 */
export async function startRedis(extraArgs: string[] = [], chosenPort?: number): Promise<RedisServer> {
  const port = chosenPort ?? (await freePort());
  let child: ChildProcess | undefined;
  const start = async () => {
    const proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    live.add(proc);
    proc.once('exit', () => live.delete(proc));
    let output = '';
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        fail(new Error(`redis-server not ready in 10 s: ${output}`));
      }, 10_000);
      proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          ready();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`redis-server exited (${code}): ${output}`));
      });
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    async stop() {
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      await once(proc, 'exit');
    },
  };
}

/**
 * A plain node-redis client on `server`, for a test to look at what Beacon wrote. It rides out a
 * restart of the server (it just reconnects); close it with `destroy()`, since `quit()` would
 * wait for a reconnect still under way.
 */
export async function connectProbe(server: RedisServer): Promise<RedisClientType> {
  const probe: RedisClientType = createClient({ url: server.url });
  probe.on('error', () => undefined);
  await probe.connect();
  return probe;
}
