/**
 * `npm run bench:ab`: two or more targets measured in alternating rounds on one load, with the CPU
 * each spent per call or per notification (from /proc, plus its redis-server's own from INFO).
 * Rates on a shared two-core machine swing with whatever else runs; alternating rounds (the order
 * rotates each round) and CPU per unit of work are the steadier before/after evidence for one change.
 *
 *   npm run bench:ab -- --targets=beacon-prod,beacon-redis --load=calls-modern-1 [--rounds=15]
 *   loads: calls-<modern|legacy>-<concurrency> (1 s of closed-loop calls per round) or
 *          stream-<modern|legacy> (one 1,000-item call per round)
 *   --env=NAME=VALUE,… is added to the environment of every target after the first.
 *
 * A target `beacon-prod-without=<layer>+<layer>…` is beacon-prod with those `/mcp` layers left out
 * (names: src/server/mcp-layer-names.ts; `all` for every optional one). `--targets=layers` measures each layer once:
 * the bare SDK, beacon-prod, beacon-prod without each optional layer in turn, and without all of them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MCP_LAYER_NAMES, type McpLayerName } from '../src/server/mcp-layer-names.js';
import { rotated } from './lib/rotated.js';
import { median } from './lib/stats.js';
import { createBenchKey, type RunningTarget, startTarget, TARGETS, type TargetSpec } from './lib/targets.js';
import { cpuSeconds, redisUsage } from './lib/usage.js';
import type { Era } from './lib/wire.js';
import { throughputRound } from './scenarios/throughput.js';
import { toolCallRound } from './scenarios/tool-calls.js';

interface Load {
  name: string;
  unit: 'call' | 'notification';
  /** One round: how many units it served. */
  run(target: RunningTarget): Promise<number>;
}

function loadOf(spec: string): Load {
  const calls = /^calls-(modern|legacy)-(\d+)$/.exec(spec);
  if (calls) {
    const era = calls[1] as Era;
    const concurrency = Number(calls[2]);
    return {
      name: spec,
      unit: 'call',
      run: async (target) => (await toolCallRound(target, era, concurrency, 1000)).calls,
    };
  }
  const stream = /^stream-(modern|legacy)$/.exec(spec);
  if (stream) {
    const era = stream[1] as Era;
    return {
      name: spec,
      unit: 'notification',
      run: async (t) => (await throughputRound(t, 1000, era)).received,
    };
  }
  throw new Error(`--load: expected calls-<modern|legacy>-<n> or stream-<modern|legacy>, got '${spec}'`);
}

interface AbTarget {
  label: string;
  spec: TargetSpec;
  without: readonly McpLayerName[];
}

/** The layers a deployment may run without; the body parser and the endpoint always run. */
const OPTIONAL_LAYERS = MCP_LAYER_NAMES.filter((name) => name !== 'json-body');

function targetsOf(list: string): AbTarget[] {
  if (list === 'layers') {
    return targetsOf(
      [
        'sdk-bare',
        'beacon-prod',
        // The bench sets no CORS_ORIGINS, so beacon-prod mounts no CORS layer to leave out.
        ...OPTIONAL_LAYERS.filter((name) => name !== 'cors').map((name) => `beacon-prod-without=${name}`),
        'beacon-prod-without=all',
      ].join(','),
    );
  }
  return list.split(',').map((label) => {
    const [name, layers] = label.split('-without=') as [string, string | undefined];
    const spec = TARGETS.find((t) => t.name === name);
    if (!spec)
      throw new Error(`--targets: unknown target '${name}' (${TARGETS.map((t) => t.name).join(', ')})`);
    const without = layers === 'all' ? OPTIONAL_LAYERS : (layers ?? '').split('+').filter(Boolean);
    for (const layer of without) {
      if (!(OPTIONAL_LAYERS as readonly string[]).includes(layer))
        throw new Error(
          `--targets: '${layer}' is not an optional /mcp layer (${OPTIONAL_LAYERS.join(', ')})`,
        );
    }
    if (without.length > 0 && !name.startsWith('beacon'))
      throw new Error(`--targets: only Beacon targets have layers to leave out, not '${name}'`);
    return { label, spec, without: without as McpLayerName[] };
  });
}

function redisCpuSeconds(url: string | undefined): number {
  return url ? redisUsage(url).cpuSeconds : 0;
}

interface Tally {
  rates: number[];
  units: number;
  cpu: number;
  redisCpu: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      targets: { type: 'string', default: 'beacon-prod,beacon-redis' },
      load: { type: 'string', default: 'calls-modern-1' },
      rounds: { type: 'string', default: '15' },
      env: { type: 'string', default: '' },
    },
  });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: expected a positive integer`);
  const load = loadOf(values.load);
  const specs = targetsOf(values.targets);
  const extraEnv = Object.fromEntries(
    values.env
      .split(',')
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
  const dir = mkdtempSync(join(tmpdir(), 'beacon-ab-'));
  const key = createBenchKey(dir);
  const started: RunningTarget[] = [];
  try {
    for (const [i, { spec, without }] of specs.entries())
      started.push(await startTarget(spec, key, { env: i > 0 ? extraEnv : {}, without }));
    const load0 = loadavg()[0]?.toFixed(1);
    for (const target of started) for (let i = 0; i < 5; i++) await load.run(target);
    const tallies = started.map((): Tally => ({ rates: [], units: 0, cpu: 0, redisCpu: 0 }));
    for (let round = 0; round < rounds; round++) {
      for (const i of rotated([...started.keys()], round)) {
        const target = started[i] as RunningTarget;
        const tally = tallies[i] as Tally;
        const cpu = cpuSeconds(target.pid);
        const redisCpu = redisCpuSeconds(target.redisUrl);
        const began = performance.now();
        const units = await load.run(target);
        tally.rates.push(units / ((performance.now() - began) / 1000));
        tally.units += units;
        tally.cpu += cpuSeconds(target.pid) - cpu;
        tally.redisCpu += redisCpuSeconds(target.redisUrl) - redisCpu;
      }
    }
    const reference = median(tallies[0]?.rates ?? []);
    const width = Math.max(14, ...specs.map((t) => t.label.length));
    process.stdout.write(
      `${load.name}, ${rounds} alternating rounds (load ${load0} -> ${loadavg()[0]?.toFixed(1)})\n`,
    );
    for (const [i, { label }] of specs.entries()) {
      const tally = tallies[i] as Tally;
      const rate = median(tally.rates);
      const per = (seconds: number) => ((seconds / tally.units) * 1e6).toFixed(1);
      process.stdout.write(
        `${label.padEnd(width)} ${rate.toFixed(0)} ${load.unit}s/s (${(rate / reference).toFixed(2)}×) ` +
          `[${Math.min(...tally.rates).toFixed(0)}–${Math.max(...tally.rates).toFixed(0)}]; ` +
          `CPU per ${load.unit}: Beacon ${per(tally.cpu)} µs, redis-server ${per(tally.redisCpu)} µs\n`,
      );
    }
  } finally {
    await Promise.all(started.map((target) => target.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
