import { loadavg } from 'node:os';
import { type Figure, FigureBook, type FigureSpec, markdownTable } from '../lib/figures.js';
import type { Sizes } from '../lib/options.js';
import { rotated } from '../lib/rotated.js';
import {
  startTopology,
  TOPOLOGIES,
  type Topology,
  type TopologyName,
  type Usage,
} from '../lib/topologies.js';
import { type Comparison, compare, comparisonTable } from '../lib/topology-comparison.js';
import type { Era } from '../lib/wire.js';
import { throughputRound } from './throughput.js';
import { toolCallRound } from './tool-calls.js';

/** The closed-loop concurrency of the call loads: enough calls in flight to keep 3 replicas busy. */
const CONCURRENCY = 16;

/** Commands the harness itself sends to read Redis's figures, left out of the counts. */
const HARNESS_COMMANDS = new Set(['info', 'auth']);

interface Load {
  id: string;
  what: string;
  unit: 'call' | 'notification';
  rateUnit: string;
  /** One measured round: how many units it served, and a line for the notes if it fell short. */
  run(topology: Topology): Promise<{ units: number; rate: number; shortfall?: string }>;
}

function loadsOf(sizes: Sizes): Load[] {
  const calls = (era: Era, what: string): Load => ({
    id: `calls-${era}`,
    what: `${what}, c=${CONCURRENCY}`,
    unit: 'call',
    rateUnit: 'calls/s',
    run: async (t) => {
      const r = await toolCallRound(t, era, CONCURRENCY, sizes.callDurationMs);
      return { units: r.calls, rate: r.callsPerSecond, shortfall: r.errors > 0 ? `${r.errors} errors` : '' };
    },
  });
  const stream = (era: Era, what: string): Load => ({
    id: `stream-${era}`,
    what: `${what}, 1 stream of ${sizes.throughputItems} items`,
    unit: 'notification',
    rateUnit: 'notif/s',
    run: async (t) => {
      const r = await throughputRound(t, sizes.throughputItems, era);
      const shortfall = r.received === r.expected ? '' : `${r.received}/${r.expected} notifications`;
      return { units: r.received, rate: r.perSecond, shortfall };
    },
  });
  return [
    calls('modern', 'tool calls, 2026-07-28'),
    calls('legacy', 'tool calls, 2025 sessions'),
    stream('modern', 'notifications, 2026-07-28'),
    stream('legacy', 'notifications, 2025 session'),
  ];
}

/** What one round cost, from the usage read before and after it. */
function spent(before: Usage, after: Usage) {
  const replicas = after.replicas.map((cpu, i) => cpu - (before.replicas[i] ?? 0));
  let commands = 0;
  const byCommand: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after.commands)) {
    const delta = calls - (before.commands[name] ?? 0);
    if (HARNESS_COMMANDS.has(name) || delta === 0) continue;
    byCommand[name] = delta;
    commands += delta;
  }
  return {
    beacon: replicas.reduce((a, b) => a + b, 0),
    busiest: Math.max(...replicas),
    redis: after.redis - before.redis,
    caddy: after.caddy - before.caddy,
    commands,
    byCommand,
  };
}

export interface ReplicasReport {
  topologies: TopologyName[];
  figures: Figure<TopologyName>[];
  comparisons: Comparison[];
  /** Redis commands per call or notification by command, summed over the rounds, per topology and load. */
  commandsPerUnit: Partial<Record<TopologyName, Record<string, Record<string, number>>>>;
  notes: string[];
  loadAverage: { start: number; end: number };
  /** The figures table, then the comparisons table. */
  table: string;
}

/**
 * 1 replica in memory, 1 with Redis and 3 sharing one Redis, each behind Caddy with TLS, all up
 * at once and measured in alternating rounds (the order rotates each round), after a warm-up.
 * Per load and topology: the rate, and the CPU per call or notification of every replica plus
 * redis-server (and, apart, Caddy's), from /proc and Redis's INFO around each round.
 */
export async function replicasScenario(
  sizes: Sizes,
  dir: string,
  log: (line: string) => void,
): Promise<ReplicasReport> {
  const loadStart = loadavg()[0] ?? 0;
  const book = new FigureBook<TopologyName>('1-memory');
  const notes: string[] = [];
  const commandTotals = new Map<string, { units: number; byCommand: Record<string, number> }>();
  const loads = loadsOf(sizes);
  const running: Topology[] = [];
  try {
    for (const name of TOPOLOGIES) running.push(await startTopology(name, dir));
    log('replicas: stacks up, warm-up');
    for (const t of running) {
      for (const era of t.spec.eras) {
        for (let i = 0; i < sizes.throughputWarmUps; i += 1)
          await throughputRound(t, sizes.throughputItems, era);
        await toolCallRound(t, era, CONCURRENCY, Math.min(300, sizes.callDurationMs));
      }
    }
    for (const load of loads) {
      const rounds = load.unit === 'call' ? sizes.rounds : sizes.throughputRounds;
      for (let round = 0; round < rounds; round += 1) {
        for (const t of rotated(running, round)) {
          const before = t.usage();
          const r = await load.run(t);
          const cost = spent(before, t.usage());
          if (r.shortfall) notes.push(`replicas ${load.id} ${t.name} round ${round + 1}: ${r.shortfall}`);
          record(book, load, t, r.units, r.rate, cost);
          const key = `${t.name} ${load.id}`;
          const total = commandTotals.get(key) ?? { units: 0, byCommand: {} };
          total.units += r.units;
          for (const [name, n] of Object.entries(cost.byCommand))
            total.byCommand[name] = (total.byCommand[name] ?? 0) + n;
          commandTotals.set(key, total);
        }
      }
      log(`replicas ${load.id}: done`);
    }
  } finally {
    await Promise.all(running.map((t) => t.stop()));
  }
  const topologies = [...TOPOLOGIES];
  const figures = book.figures(topologies);
  const comparisons = loads.map((load) => compare(figures, load.id, load.what));
  const commandsPerUnit: ReplicasReport['commandsPerUnit'] = {};
  for (const t of topologies.filter((name) => name !== '1-memory')) {
    const byLoad: Record<string, Record<string, number>> = {};
    for (const load of loads) {
      const total = commandTotals.get(`${t} ${load.id}`);
      if (!total || total.units === 0) continue;
      byLoad[load.id] = Object.fromEntries(
        Object.entries(total.byCommand)
          .sort(([, a], [, b]) => b - a)
          .map(([name, n]) => [name, Number((n / total.units).toFixed(3))]),
      );
    }
    commandsPerUnit[t] = byLoad;
  }
  return {
    topologies,
    figures,
    comparisons,
    commandsPerUnit,
    notes,
    loadAverage: { start: Number(loadStart.toFixed(2)), end: Number((loadavg()[0] ?? 0).toFixed(2)) },
    table: `${markdownTable(figures, topologies)}\n\n${comparisonTable(comparisons)}`,
  };
}

/**
 * One round's figures: the rate, and what each part of the topology spent per unit of work. A row
 * that does not apply (Redis's share without Redis) gets NaN, which the book leaves out, so every
 * load's rows come in the same order whichever topology is measured first.
 */
function record(
  book: FigureBook<TopologyName>,
  load: Load,
  t: Topology,
  units: number,
  rate: number,
  cost: ReturnType<typeof spent>,
) {
  const per = (amount: number) => (units > 0 ? amount / units : Number.NaN);
  const micros = (seconds: number) => per(seconds * 1e6);
  const ifRedis = (value: number) => (t.redis ? value : Number.NaN);
  const rows: Array<[string, string, string, FigureSpec['better'], number]> = [
    ['', 'rate', load.rateUnit, 'higher', rate],
    ['-cpu', `CPU per ${load.unit}, Beacon + redis-server`, 'µs', 'lower', micros(cost.beacon + cost.redis)],
    ['-redis-cpu', 'of which redis-server', 'µs', 'lower', ifRedis(micros(cost.redis))],
    [
      '-redis-commands',
      `Redis commands per ${load.unit} (scripts' own included)`,
      'count',
      'lower',
      ifRedis(per(cost.commands)),
    ],
    ['-caddy-cpu', `Caddy CPU per ${load.unit}`, 'µs', 'lower', micros(cost.caddy)],
  ];
  // How evenly Caddy spread the calls; a stream is one request, so it runs on one replica.
  if (load.unit === 'call')
    rows.push([
      '-busiest',
      'busiest replica share of Beacon CPU',
      '%',
      'lower',
      (cost.busiest / cost.beacon) * 100,
    ]);
  for (const [suffix, label, unit, better, value] of rows)
    book.add({ id: `${load.id}${suffix}`, label: `${load.what}: ${label}`, unit, better }, t.name, value);
}
