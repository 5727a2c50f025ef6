import { TARGETS, type TargetName } from './targets.js';

export interface Sizes {
  rounds: number;
  startupRounds: number;
  throughputItems: number;
  /** Rounds of the throughput scenario: its rounds spread the most, so it gets more of them. */
  throughputRounds: number;
  /**
   * Full-size streams each target serves before the first measured one. The JIT in the server and
   * in the counting client keeps speeding a stream up over its first few thousand notifications.
   */
  throughputWarmUps: number;
  latencyItems: number;
  latencyDelayMs: number;
  callConcurrency: readonly number[];
  callDurationMs: number;
  streams: number;
  streamItems: number;
  streamDelayMs: number;
  idleSessions: number;
  /** Time allowed for opening them; a slow target is measured over what it opened by then. */
  idleBudgetMs: number;
  /**
   * How long the targets sit idle after the throughput and call rounds before their RSS is read.
   * In a trial on 2 vCPU (Node 20), V8's memory reducer shrank each server's heap 40–60 s after
   * its load ended (beacon-prod 212 → 91 MB, the bare SDK 181 → 72 MB), and nothing moved after.
   */
  idleSettleMs: number;
}

/** `full` is the load; `quick` fits in under three minutes; `tiny` only proves the plumbing. */
export const SIZES: Record<'full' | 'quick' | 'tiny', Sizes> = {
  full: {
    rounds: 3,
    startupRounds: 5,
    throughputItems: 1000,
    throughputRounds: 5,
    throughputWarmUps: 5,
    latencyItems: 200,
    latencyDelayMs: 5,
    callConcurrency: [1, 16, 64],
    callDurationMs: 3000,
    streams: 2000,
    streamItems: 10,
    streamDelayMs: 1000,
    idleSessions: 5000,
    idleBudgetMs: 90_000,
    idleSettleMs: 120_000,
  },
  quick: {
    rounds: 3,
    startupRounds: 3,
    throughputItems: 1000,
    throughputRounds: 3,
    throughputWarmUps: 3,
    latencyItems: 60,
    latencyDelayMs: 3,
    callConcurrency: [1, 16, 64],
    callDurationMs: 250,
    streams: 100,
    streamItems: 3,
    streamDelayMs: 200,
    // Enough sessions that RSS grows by megabytes: with fewer, heap-page granularity can show none.
    idleSessions: 500,
    idleBudgetMs: 8_000,
    idleSettleMs: 10_000,
  },
  tiny: {
    rounds: 3,
    startupRounds: 3,
    throughputItems: 50,
    throughputRounds: 3,
    throughputWarmUps: 1,
    latencyItems: 10,
    latencyDelayMs: 2,
    callConcurrency: [1, 16, 64],
    callDurationMs: 100,
    streams: 20,
    streamItems: 3,
    streamDelayMs: 50,
    idleSessions: 400,
    idleBudgetMs: 8_000,
    idleSettleMs: 500,
  },
};

/**
 * The run's parts, in the order they run: `startup` (fresh targets, time to /readyz), `steady`
 * (one-stream throughput and tool calls, on targets that stay up), `latency` (emit-to-receive,
 * direct and via Caddy), `fresh` (concurrent streams and idle sessions, each round on a fresh
 * target), `replicas` (the deployment's stack with 1 and 3 replicas behind Caddy; not per target).
 */
export const SCENARIOS = ['startup', 'steady', 'latency', 'fresh', 'replicas'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/**
 * Scenarios only the full run includes unless `--scenarios` names them: `replicas` starts three
 * stacks (Caddy, an auth server, Beacon replicas, redis-servers), which the quick run's three
 * minutes and the tiny run inside `npm test` have no room for; test/bench/replicas.test.ts runs it.
 */
const FULL_RUN_ONLY_SCENARIOS: readonly Scenario[] = ['replicas'];

/**
 * Targets only the full run measures unless `--targets` names them. beacon-redis starts a
 * redis-server with each fresh Beacon, and a sixth target takes `bench:quick` past its three
 * minutes and slows the tiny run inside `npm test`; its plumbing is tested on its own
 * (test/bench/targets.test.ts).
 */
const FULL_RUN_ONLY: readonly TargetName[] = ['beacon-redis'];

export interface Options {
  mode: keyof typeof SIZES;
  sizes: Sizes;
  targets: TargetName[];
  /** Whether `--targets` chose them (else the mode's defaults). */
  targetsNamed: boolean;
  scenarios: Scenario[];
  /** Where the JSON goes; default bench/results/<date>.json. */
  out: string | undefined;
}

const USAGE = `usage: bench [--quick | --tiny] [--targets=a,b,…] [--scenarios=${SCENARIOS.join(',')}] [--out=FILE]`;

function parseScenarios(value: string): Scenario[] {
  const asked = value.split(',');
  const unknown = asked.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.join(', ')}`);
  return SCENARIOS.filter((name) => asked.includes(name));
}

export function parseOptions(argv: readonly string[]): Options {
  let mode: Options['mode'] = 'full';
  let out: string | undefined;
  let targets: TargetName[] | undefined;
  let scenarios: Scenario[] | undefined;
  for (const arg of argv) {
    const [flag, value] = arg.split('=', 2) as [string, string | undefined];
    if (flag === '--quick') mode = 'quick';
    else if (flag === '--tiny') mode = 'tiny';
    else if (flag === '--out' && value) out = value;
    else if (flag === '--scenarios' && value) scenarios = parseScenarios(value);
    else if (flag === '--targets' && value) {
      const known = new Set<string>(TARGETS.map((t) => t.name));
      const asked = value.split(',');
      const unknown = asked.filter((name) => !known.has(name));
      if (unknown.length > 0)
        throw new Error(`unknown target ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
      if (!asked.includes('sdk-bare'))
        throw new Error('--targets must include sdk-bare: every ratio is against it');
      targets = asked as TargetName[];
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  const defaults = TARGETS.map((t) => t.name).filter(
    (name) => mode === 'full' || !FULL_RUN_ONLY.includes(name),
  );
  return {
    mode,
    sizes: SIZES[mode],
    targets: targets ?? defaults,
    targetsNamed: targets !== undefined,
    scenarios:
      scenarios ?? SCENARIOS.filter((name) => mode === 'full' || !FULL_RUN_ONLY_SCENARIOS.includes(name)),
    out,
  };
}
