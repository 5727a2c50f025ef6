/**
 * Profiles one target under the throughput and tool-call loads with `node --cpu-prof` and prints
 * where its CPU time went: self time by package (or Beacon source file) and the hottest functions.
 *
 *   node --import tsx bench/profile.ts [target] [modern|legacy] [both|stream|calls]
 *   (default: beacon-prod modern both; `stream` is the throughput load, `calls` the c=16 tool calls,
 *   both in the era given; add --keep to keep the .cpuprofile for a flame graph viewer)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBenchKey, startTarget, TARGETS } from './lib/targets.js';
import type { Era } from './lib/wire.js';
import { throughputRound } from './scenarios/throughput.js';
import { toolCallRound } from './scenarios/tool-calls.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
}

/** Where a frame's code lives: a package, a Beacon file, node internals, or the engine. */
export function placeOf(url: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  const own = /\/(dist|src|bench)\/(.+)$/.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  if (url.startsWith('node:')) return 'node internals';
  return url === '' ? '(engine: gc, idle, program)' : url;
}

/** Share of busy time, and CPU microseconds per unit of work (a notification or a call). */
function top(map: Map<string, number>, total: number, count: number, usPerHitPerUnit: number): string[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(
      ([name, hits]) =>
        `${((hits / total) * 100).toFixed(1).padStart(5)}% ${(hits * usPerHitPerUnit).toFixed(1).padStart(7)} µs  ${name}`,
    );
}

async function main(): Promise<void> {
  const name = process.argv[2] ?? 'beacon-prod';
  const era = (process.argv[3] ?? 'modern') as Era;
  const load = process.argv[4] ?? 'both';
  const keep = process.argv.includes('--keep');
  const spec = TARGETS.find((t) => t.name === name);
  if (!spec) throw new Error(`unknown target ${name}`);
  const dir = mkdtempSync(join(tmpdir(), 'beacon-profile-'));
  try {
    const target = await startTarget(spec, createBenchKey(dir), {
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
      // The profile is written at exit: Beacon's drain (5 s by default) would outlast stop()'s
      // grace and end in SIGKILL, with nothing written.
      env: { SHUTDOWN_DELAY_MS: '0' },
    });
    let units = 0;
    if (load !== 'calls')
      for (let i = 0; i < 10; i += 1) units += (await throughputRound(target, 1000, era)).received;
    if (load !== 'stream') units += (await toolCallRound(target, era, 16, 4000)).calls;
    await target.stop();
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('no profile written');
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      nodes: ProfileNode[];
      startTime: number;
      endTime: number;
      samples: number[];
    };
    const { nodes } = profile;
    const usPerSample = (profile.endTime - profile.startTime) / profile.samples.length;
    const byPlace = new Map<string, number>();
    const byFunction = new Map<string, number>();
    let total = 0;
    for (const node of nodes) {
      if (node.hitCount === 0) continue;
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === '(idle)') continue;
      total += node.hitCount;
      const place = placeOf(url);
      byPlace.set(place, (byPlace.get(place) ?? 0) + node.hitCount);
      const fn = `${functionName || '(anonymous)'}  ${place}:${lineNumber + 1}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + node.hitCount);
    }
    const perUnit = usPerSample / units;
    const unit = load === 'calls' ? 'call' : load === 'stream' ? 'notification' : 'unit of work';
    process.stdout.write(
      `${name}, ${era} era, ${load} load: self time (idle excluded), ${((total * usPerSample) / units).toFixed(1)} µs CPU per ${unit}\n\nBy place (share, µs per ${unit}):\n`,
    );
    process.stdout.write(
      `${top(byPlace, total, 25, perUnit).join('\n')}\n\nHottest functions:\n${top(byFunction, total, 30, perUnit).join('\n')}\n`,
    );
  } finally {
    if (keep) process.stdout.write(`profile kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`profile: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
