import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { type RedisServer, startRedis } from '../../test/helpers/redis-server.js';
import type { Endpoint } from './http.js';
import type { Era } from './wire.js';

const ROOT = resolve(import.meta.dirname, '../..');
const PEERS = join(ROOT, 'bench/.build/bench/peers');

export type TargetName =
  | 'beacon-prod'
  | 'beacon-redis'
  | 'beacon-noauth'
  | 'sdk-bare'
  | 'fastmcp'
  | 'raw-sse';
/** Every ratio in the report is against this target. */
export const REFERENCE: TargetName = 'sdk-bare';

export interface TargetSpec {
  name: TargetName;
  /** The eras it serves; its first is the one single-era scenarios use. */
  eras: readonly Era[];
  /** Whether it keeps 2025-era sessions (the idle-session scenario needs them). */
  sessions: boolean;
  /** Whether its log messages travel on the session's standalone GET stream (fastmcp). */
  logsOnStandaloneStream: boolean;
  /** Whether it keeps its shared state in a redis-server of its own, started and stopped with it. */
  redis: boolean;
}

const BOTH: readonly Era[] = ['modern', 'legacy'];

export const TARGETS: readonly TargetSpec[] = [
  { name: 'beacon-prod', eras: BOTH, sessions: true, logsOnStandaloneStream: false, redis: false },
  { name: 'beacon-redis', eras: BOTH, sessions: true, logsOnStandaloneStream: false, redis: true },
  { name: 'beacon-noauth', eras: BOTH, sessions: true, logsOnStandaloneStream: false, redis: false },
  { name: 'sdk-bare', eras: BOTH, sessions: true, logsOnStandaloneStream: false, redis: false },
  { name: 'fastmcp', eras: ['legacy'], sessions: true, logsOnStandaloneStream: true, redis: false },
  { name: 'raw-sse', eras: BOTH, sessions: false, logsOnStandaloneStream: false, redis: false },
];

/** Whether Debian's `redis-server` is installed, which beacon-redis needs. */
export function redisAvailable(): boolean {
  return ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].some((path) => existsSync(path));
}

export interface RunningTarget {
  spec: TargetSpec;
  endpoint: Endpoint;
  pid: number;
  /** Milliseconds from spawn to the first 200 from the readiness path. */
  readyMs: number;
  /** Beacon's separate metrics listener; undefined for peers. */
  metricsUrl: string | undefined;
  /** The redis-server of a target with `redis`. */
  redisUrl: string | undefined;
  /** Resident set size now, in bytes (Linux /proc). */
  rss(): number;
  stop(): Promise<void>;
}

/**
 * Ports for targets come from a block below Linux's ephemeral range (32768+). A port the OS hands
 * out for `listen(0)` is released before the target binds it, and another process on the machine
 * (tests beside `bench:quick` in CI, or any client connection) can take it meanwhile; the target
 * then dies with EADDRINUSE while the harness talks to whoever answered. Below that range nothing
 * is handed out by the OS, and each port is still checked free by binding it first.
 */
const PORT_BLOCK = { first: 20_000, size: 12_000 };
let portCursor = (process.pid * 37) % PORT_BLOCK.size;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free loopback port for a target or a proxy, never one handed out twice by this run. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 200; tries += 1) {
    portCursor = (portCursor + 1) % PORT_BLOCK.size;
    const port = PORT_BLOCK.first + portCursor;
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in ${PORT_BLOCK.first}–${PORT_BLOCK.first + PORT_BLOCK.size - 1}`);
}

/** The credential the production-settings target is called with; made once per run. */
export interface BenchKey {
  key: string;
  file: string;
}

export function createBenchKey(dir: string): BenchKey {
  const key = `bk_${randomBytes(32).toString('base64url')}`;
  const file = join(dir, 'bench-api-keys.json');
  const sha256 = createHash('sha256').update(key).digest('hex');
  writeFileSync(file, JSON.stringify([{ id: 'bench', sha256, scopes: ['mcp:tools'] }]), { mode: 0o600 });
  return { key, file };
}

/**
 * The quotas every Beacon the bench starts runs with. Room for the idle-session scenario, and for
 * the concurrent calls of one key: 64 in the tool-call scenario, 2,000 in the full streams
 * scenario (MAX_STREAMS's default 5,000 fits).
 */
export const BENCH_LIMITS: Readonly<Record<string, string>> = {
  MAX_SESSIONS: '20000',
  MAX_CALLS_PER_PRINCIPAL: '4000',
  MAX_CONCURRENT_CALLS: '4000',
  // Never reached, so no request is refused, but every one still pays for the limiter.
  RATE_LIMIT_PER_MINUTE: '100000000',
};

interface Launch {
  entry: string;
  args: string[];
  env: Record<string, string>;
  headers: Record<string, string>;
}

/**
 * How each target is started. Beacon runs from dist/cli.js with the settings an operator would
 * use; `stamped` swaps in the bench entry that adds the stamped tool (latency scenario only), and
 * `without` the one that leaves some of `/mcp`'s layers out (`bench:ab`'s layer loads).
 * beacon-redis is beacon-prod with `REDIS_URL` set: one replica with its state in Redis.
 */
function launchOf(
  spec: TargetSpec,
  port: number,
  key: BenchKey,
  metricsPort: number,
  options: StartOptions,
  redis: RedisServer | undefined,
): Launch {
  const without = options.without ?? [];
  const peerEntry = options.stamped
    ? 'beacon-stamped.js'
    : without.length > 0
      ? 'beacon-layers.js'
      : undefined;
  const beacon = (auth: boolean): Launch => ({
    entry: peerEntry ? join(PEERS, peerEntry) : join(ROOT, 'dist/cli.js'),
    args: peerEntry ? [] : ['serve'],
    env: {
      ...(without.length > 0 && { BENCH_WITHOUT: without.join(',') }),
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      METRICS_PORT: String(metricsPort),
      AUTH_MODE: auth ? 'apikey' : 'none',
      ...(auth ? { API_KEYS_FILE: key.file } : {}),
      ...BENCH_LIMITS,
      ...(redis ? { REDIS_URL: redis.url } : {}),
    },
    headers: auth ? { authorization: `Bearer ${key.key}` } : {},
  });
  const peer = (file: string): Launch => ({
    entry: join(PEERS, file),
    args: [],
    env: { PORT: String(port) },
    headers: {},
  });
  switch (spec.name) {
    case 'beacon-prod':
    case 'beacon-redis':
      return beacon(true);
    case 'beacon-noauth':
      return beacon(false);
    case 'sdk-bare':
      return peer('sdk-bare.js');
    case 'fastmcp':
      return peer('fastmcp.js');
    case 'raw-sse':
      return peer('raw-sse.js');
  }
}

/** Targets not stopped yet: killed if the harness exits first (an error, Ctrl-C). */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? 0 : Number(kb) * 1024;
}

async function waitReady(url: string, child: ChildProcess, stderr: () => string, timeoutMs: number) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${stderr().slice(-1000)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`not ready within ${timeoutMs} ms: ${stderr().slice(-1000)}`);
}

export interface StartOptions {
  /** The latency scenario's Beacon entry, with the stamped tool. */
  stamped?: boolean;
  /** Beacon with these `/mcp` layers left out (bench/peers/beacon-layers.ts), to measure their cost. */
  without?: readonly string[];
  nodeArgs?: string[];
  env?: Record<string, string>;
}

/**
 * Starts one target on a free loopback port and resolves once its readiness path answers 200.
 * Its stdout (the JSON log lines, for Beacon) goes to /dev/null: written, as in production, but
 * not read back by the harness, which shares the same two cores. A target with `redis` gets a
 * fresh redis-server first (nothing persisted, a port from the block), stopped with the target or
 * at once if the target fails to start; its start-up time counts from Beacon's spawn, with Redis
 * already listening (Beacon's /readyz answers 503 until it has reached Redis).
 */
export async function startTarget(
  spec: TargetSpec,
  key: BenchKey,
  options: StartOptions = {},
): Promise<RunningTarget> {
  const redis = spec.redis ? await startRedis([], await freePort()) : undefined;
  try {
    return await spawnTarget(spec, key, options, redis);
  } catch (error) {
    await redis?.stop();
    throw error;
  }
}

async function spawnTarget(
  spec: TargetSpec,
  key: BenchKey,
  options: StartOptions,
  redis: RedisServer | undefined,
): Promise<RunningTarget> {
  const port = await freePort();
  const metricsPort = await freePort();
  const launch = launchOf(spec, port, key, metricsPort, options, redis);
  const started = performance.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), launch.entry, ...launch.args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...launch.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let errText = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    errText = (errText + chunk).slice(-4000);
  });
  const stderr = () => errText;
  try {
    await waitReady(`http://127.0.0.1:${port}/readyz`, child, stderr, 20_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${spec.name}: ${(error as Error).message}`);
  }
  const readyMs = performance.now() - started;
  const pid = child.pid as number;
  return {
    spec,
    endpoint: { url: new URL(`http://127.0.0.1:${port}/mcp`), headers: launch.headers },
    pid,
    readyMs,
    metricsUrl: launch.env.METRICS_PORT ? `http://127.0.0.1:${metricsPort}/metrics` : undefined,
    redisUrl: redis?.url,
    rss: () => {
      // A target that died mid-run must fail the bench with its own words, not a missing /proc file.
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `${spec.name} exited (${child.exitCode ?? child.signalCode}) during the run; stderr: ${stderr().slice(-2000)}`,
        );
      }
      return rssOf(pid);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await redis?.stop();
    },
  };
}
