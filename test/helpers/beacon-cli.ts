import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

const CLI = resolve(import.meta.dirname, '../../dist/cli.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout lines, each stamped with when the test saw it. */
  lines: Array<{ text: string; at: number }>;
}

export interface CliOptions {
  /** Written to the process's stdin, which is then closed (closed at once when absent). */
  stdin?: string;
  /** Extra environment (PATH and HOME are always passed, nothing else of the test's). */
  env?: Record<string, string>;
  /** Sees each stdout line as it arrives, and may send the process a signal. */
  onLine?: (line: string, kill: (signal: NodeJS.Signals) => void) => void;
  /** Sees each stderr line as it arrives. */
  onStderrLine?: (line: string) => void;
  /** Learns the process id once it runs (to look at what `ps` would show of it). */
  onSpawn?: (pid: number) => void;
}

/** Calls `onLine` for every complete line of a text stream. */
function eachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let partial = '';
  stream.on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) onLine(line);
  });
}

/**
 * Runs `node dist/cli.js <args>` as a real process with pipes (no terminal: no progress bar, no
 * colour). The one way every end-to-end test runs the CLI.
 */
export async function runBeaconCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  let stdout = '';
  let stderr = '';
  const lines: CliRun['lines'] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  eachLine(child.stdout, (text) => {
    lines.push({ text, at: performance.now() });
    options.onLine?.(text, (signal) => child.kill(signal));
  });
  eachLine(child.stderr, (text) => options.onStderrLine?.(text));
  child.stdin.end(options.stdin ?? '');
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr, lines };
}
