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

/**
 * Runs `node dist/cli.js <args>` as a real process with pipes (no terminal: no progress bar, no
 * colour). `onLine` sees each stdout line as it arrives and may send the process a signal.
 */
export async function runBeaconCli(
  args: string[],
  onLine?: (line: string, kill: (signal: NodeJS.Signals) => void) => void,
): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let partial = '';
  const lines: CliRun['lines'] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) {
      lines.push({ text, at: performance.now() });
      onLine?.(text, (signal) => child.kill(signal));
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr, lines };
}
