import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

const CLI = resolve(import.meta.dirname, '../../dist/cli.js');

export interface BeaconProcess {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  /** origin + /mcp */
  mcpUrl: string;
  port: number;
  child: ChildProcess;
  /** Every stdout line so far (JSON log lines). */
  lines: string[];
  /** Everything written to stderr so far. */
  stderr: () => string;
  /** Resolves with the first parsed log line matching the predicate. */
  waitForLog(
    match: (entry: Record<string, unknown>) => boolean,
    timeoutMs?: number,
    since?: number,
  ): Promise<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  env?: Record<string, string>;
  args?: string[];
  /** Module to run instead of dist/cli.js (for test-only entry points). */
  entry?: string;
  /** Extra node flags, e.g. ['--import', 'tsx'] for a TypeScript entry. */
  nodeArgs?: string[];
  /**
   * Which parsed log lines `lines` keeps (default: all). Long runs keep only the lines they check;
   * waiters still see every line, and a line that is not JSON is always kept.
   */
  retainLine?: (entry: Record<string, unknown>) => boolean;
}

/**
 * Starts a real Beacon process on a free port on 127.0.0.1 and waits for its `listening` line.
 * Every end-to-end test uses this one helper.
 */
export async function startBeacon(options: StartOptions = {}): Promise<BeaconProcess> {
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), options.entry ?? CLI, ...(options.args ?? ['serve'])],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        HOST: '127.0.0.1',
        PORT: '0',
        METRICS_PORT: '0',
        AUTH_MODE: 'none',
        LOG_LEVEL: 'debug',
        // No load balancer to wait for: a stop takes no SHUTDOWN_DELAY_MS unless a test sets it.
        SHUTDOWN_DELAY_MS: '0',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const waiters = new Set<{
    match: (e: Record<string, unknown>) => boolean;
    done: (e: Record<string, unknown>) => void;
  }>();
  let errText = '';
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (!line) continue;
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line);
      } catch {
        lines.push(line);
        continue;
      }
      if (options.retainLine?.(entry) ?? true) lines.push(line);
      for (const waiter of waiters) {
        if (waiter.match(entry)) {
          waiters.delete(waiter);
          waiter.done(entry);
        }
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    errText += chunk;
  });

  const waitForLog = (match: (e: Record<string, unknown>) => boolean, timeoutMs = 10_000, since = 0) => {
    for (const line of lines.slice(since)) {
      try {
        const entry = JSON.parse(line);
        if (match(entry)) return Promise.resolve(entry as Record<string, unknown>);
      } catch {}
    }
    return new Promise<Record<string, unknown>>((done, fail) => {
      const waiter = { match, done };
      waiters.add(waiter);
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        fail(new Error(`log line not seen within ${timeoutMs} ms; stderr: ${errText.slice(-2000)}`));
      }, timeoutMs);
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (waiters.delete(waiter))
          fail(new Error(`beacon exited (${code}) first; stderr: ${errText.slice(-2000)}`));
      });
      const originalDone = waiter.done;
      waiter.done = (entry) => {
        clearTimeout(timer);
        originalDone(entry);
      };
    });
  };

  const listening = await waitForLog((e) => e.msg === 'listening', 15_000);
  const url = new URL(String(listening.url));
  const origin = url.origin;
  return {
    origin,
    mcpUrl: `${origin}/mcp`,
    port: Number(url.port),
    child,
    lines,
    stderr: () => errText,
    waitForLog,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}
