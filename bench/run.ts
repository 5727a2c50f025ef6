/**
 * The side-by-side bench: every scenario against every target in one run, targets alternating
 * (the order rotates each round), a warm-up before measuring, and the median and spread over
 * rounds. Prints a table with each target's ratio to the bare SDK and writes the figures as JSON.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createClient } from 'redis';
import { caddyAvailable, startCaddy } from './lib/caddy.js';
import { type FigureBook as Book, FigureBook, type FigureSpec, markdownTable } from './lib/figures.js';
import { evaluateGoals, goalLines } from './lib/goals.js';
import { newAgent, send } from './lib/http.js';
import { type Options, parseOptions, type Scenario } from './lib/options.js';
import { rotated } from './lib/rotated.js';
import { closeSession, openSession } from './lib/session.js';
import {
  type BenchKey,
  createBenchKey,
  REFERENCE,
  type RunningTarget,
  redisAvailable,
  startTarget,
  TARGETS,
  type TargetName,
  type TargetSpec,
} from './lib/targets.js';
import { type Era, toolCall } from './lib/wire.js';
import { idleSessionsRound } from './scenarios/idle-sessions.js';
import { latencyRound } from './scenarios/latency.js';
import { type ReplicasReport, replicasScenario } from './scenarios/replicas.js';
import { sdkClientThroughputRound } from './scenarios/sdk-client-throughput.js';
import { streamsRound } from './scenarios/streams.js';
import { throughputRound } from './scenarios/throughput.js';
import { toolCallRound } from './scenarios/tool-calls.js';

const ROOT = resolve(import.meta.dirname, '..');

const BEGAN = performance.now();

/** Progress on stderr, with seconds since the start, so a slow phase shows itself. */
function log(line: string): void {
  process.stderr.write(`[${((performance.now() - BEGAN) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
}

async function withFresh<T>(
  spec: TargetSpec,
  key: BenchKey,
  body: (t: RunningTarget) => Promise<T>,
): Promise<T> {
  const target = await startTarget(spec, key);
  try {
    return await body(target);
  } finally {
    await target.stop();
  }
}

async function startAll(specs: readonly TargetSpec[], key: BenchKey, stamped = false) {
  const running: RunningTarget[] = [];
  for (const spec of specs) running.push(await startTarget(spec, key, { stamped }));
  return running;
}

async function stopAll(running: readonly RunningTarget[]) {
  await Promise.all(running.map((t) => t.stop()));
}

/** What the production-settings target really enforces, checked rather than assumed. */
async function probeProduction(target: RunningTarget, notes: string[]): Promise<void> {
  const anonymous = { ...target.endpoint, headers: {} };
  const agent = newAgent(anonymous);
  const answer = await send(
    anonymous,
    agent,
    toolCall('modern', 1, 'process_items', { items: ['x'], delayMs: 0 }),
  );
  agent.destroy();
  notes.push(
    answer.status === 401
      ? 'beacon-prod: auth ON (AUTH_MODE=apikey; a call without the key got 401), LOG_LEVEL=info'
      : `beacon-prod: auth NOT enforced by this build (a call without the key got ${answer.status}): its figures are auth-off figures`,
  );
  const metrics = target.metricsUrl
    ? await fetch(target.metricsUrl).then(
        (r) => r.status,
        () => 0,
      )
    : 0;
  notes.push(
    metrics === 200
      ? 'beacon-prod/noauth: metrics listener ON (GET /metrics on METRICS_PORT answered 200)'
      : 'beacon-prod/noauth: no metrics listener answered on METRICS_PORT; the in-process counters still run',
  );
}

/** That the shared-state target really keeps 2025-era sessions in its Redis. */
async function probeShared(target: RunningTarget, notes: string[]): Promise<void> {
  const ready = (await fetch(new URL('/readyz', target.endpoint.url)).then((r) => r.json())) as {
    redis?: string;
  };
  const agent = newAgent(target.endpoint);
  const sessionId = await openSession(target.endpoint, agent);
  const redis = createClient({ url: target.redisUrl });
  await redis.connect();
  try {
    const keys = await redis.keys(`*{${sessionId}}*`);
    notes.push(
      `beacon-redis: REDIS_URL set, /readyz reports redis "${ready.redis ?? 'absent'}"; a 2025 session opened by the harness has ${keys.length} key(s) in Redis (${keys.map((k) => k.split(':').at(-1)).join(', ')})`,
    );
  } finally {
    await redis.close();
    await closeSession(target.endpoint, agent, sessionId);
    agent.destroy();
  }
}

async function startupScenario(specs: TargetSpec[], key: BenchKey, book: Book, opts: Options) {
  log('startup: warm-up');
  for (const spec of specs) await withFresh(spec, key, async () => undefined);
  for (let round = 0; round < opts.sizes.startupRounds; round += 1) {
    for (const spec of rotated(specs, round)) {
      const ms = await withFresh(spec, key, async (t) => t.readyMs);
      book.add(
        { id: 'startup', label: 'start-up to /readyz 200', unit: 'ms', better: 'lower' },
        spec.name,
        ms,
      );
    }
  }
}

async function warmUp(running: readonly RunningTarget[], opts: Options) {
  for (const target of running) {
    for (const era of target.spec.eras) {
      for (let i = 0; i < opts.sizes.throughputWarmUps; i += 1)
        await throughputRound(target, opts.sizes.throughputItems, era);
      await toolCallRound(target, era, 4, Math.min(300, opts.sizes.callDurationMs));
    }
  }
}

/** Who reads a throughput round: the lean counting client, or the official SDK v2 client. */
type Reader = 'raw' | 'sdk';

/**
 * The rows a one-stream throughput round counts towards: `throughput` is the 2026-07-28 era (for
 * fastmcp, which has none, its 2025 session, as before this row had an era of its own), and
 * `throughput-legacy` a 2025-era session, where each notification also goes to the event store.
 * Rounds read by the SDK client count towards the same rows with `-sdk-client` appended.
 */
function throughputRows(target: RunningTarget, era: Era, items: number, reader: Reader): FigureSpec[] {
  const sdk = reader === 'sdk';
  const suffix = sdk ? '-sdk-client' : '';
  const what = `notifications/s, 1 stream, ${items} items${sdk ? ', read by the SDK v2 client' : ''}`;
  const modern = { id: `throughput${suffix}`, label: what, unit: 'notif/s', better: 'higher' } as const;
  const legacy = {
    id: `throughput-legacy${suffix}`,
    label: `${what}, 2025 session`,
    unit: 'notif/s',
    better: 'higher',
  } as const;
  if (era === 'modern') return [modern];
  return target.spec.eras.includes('modern') ? [legacy] : [modern, legacy];
}

async function steadyScenarios(
  specs: TargetSpec[],
  key: BenchKey,
  book: Book,
  opts: Options,
  notes: string[],
) {
  const running = await startAll(specs, key);
  try {
    const prod = running.find((t) => t.spec.name === 'beacon-prod');
    if (prod) await probeProduction(prod, notes);
    const shared = running.find((t) => t.spec.redis);
    if (shared) await probeShared(shared, notes);
    log('throughput and tool calls: warm-up');
    await warmUp(running, opts);
    const readers = { raw: throughputRound, sdk: sdkClientThroughputRound };
    for (const [reader, round] of Object.entries(readers) as Array<[Reader, typeof throughputRound]>) {
      // raw-sse is a byte pump, not an MCP server: the SDK client cannot read it.
      const readable = running.filter((t) => reader === 'raw' || t.spec.name !== 'raw-sse');
      for (const era of ['modern', 'legacy'] as Era[]) {
        for (let index = 0; index < opts.sizes.throughputRounds; index += 1) {
          for (const target of rotated(readable, index).filter((t) => t.spec.eras.includes(era))) {
            const r = await round(target, opts.sizes.throughputItems, era);
            if (r.received !== r.expected)
              notes.push(
                `throughput ${era} (${reader}) ${target.spec.name} round ${index + 1}: ${r.received}/${r.expected} notifications`,
              );
            for (const row of throughputRows(target, era, opts.sizes.throughputItems, reader))
              book.add(row, target.spec.name, r.perSecond);
          }
        }
      }
    }
    log('throughput: done');
    for (const era of ['modern', 'legacy'] as Era[]) {
      for (const concurrency of opts.sizes.callConcurrency) {
        for (let round = 0; round < opts.sizes.rounds; round += 1) {
          for (const target of rotated(running, round).filter((t) => t.spec.eras.includes(era))) {
            const r = await toolCallRound(target, era, concurrency, opts.sizes.callDurationMs);
            if (r.errors > 0)
              notes.push(
                `tool calls ${era} c=${concurrency} ${target.spec.name} round ${round + 1}: ${r.errors} errors`,
              );
            const name = target.spec.name;
            book.add(
              {
                id: `calls-${era}-c${concurrency}`,
                label: `tool calls/s, ${era}, c=${concurrency}`,
                unit: 'calls/s',
                better: 'higher',
              },
              name,
              r.callsPerSecond,
            );
            book.add(
              {
                id: `calls-p99-${era}-c${concurrency}`,
                label: `tool call p99, ${era}, c=${concurrency}`,
                unit: 'ms',
                better: 'lower',
              },
              name,
              r.p99Ms,
            );
          }
        }
        log(`tool calls ${era} c=${concurrency}: done`);
      }
    }
    await idleRss(running, book, opts.sizes.idleSettleMs);
  } finally {
    await stopAll(running);
  }
}

/** Steady-state memory: each target's RSS once it has sat idle after the load (see `idleSettleMs`). */
async function idleRss(running: readonly RunningTarget[], book: Book, settleMs: number) {
  log(`idle memory: ${settleMs / 1000} s idle`);
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const row = {
    id: 'idle-rss',
    label: `RSS after the throughput and call rounds, then ${settleMs / 1000} s idle`,
    unit: 'MB',
    better: 'lower',
  } as const;
  for (const target of running) book.add(row, target.spec.name, target.rss() / 2 ** 20);
}

async function latencyScenario(
  specs: TargetSpec[],
  key: BenchKey,
  book: Book,
  opts: Options,
  notes: string[],
) {
  const running = await startAll(specs, key, true);
  try {
    for (const target of running)
      await latencyRound(target, Math.min(20, opts.sizes.latencyItems), opts.sizes.latencyDelayMs);
    for (let round = 0; round < opts.sizes.rounds; round += 1) {
      for (const target of rotated(running, round)) {
        const r = await latencyRound(target, opts.sizes.latencyItems, opts.sizes.latencyDelayMs);
        const what = `emit-to-receive, direct, ${opts.sizes.latencyItems} items ${opts.sizes.latencyDelayMs} ms apart`;
        book.add(
          { id: 'latency-p50', label: `p50 ${what}`, unit: 'ms', better: 'lower' },
          target.spec.name,
          r.p50Ms,
        );
        book.add(
          { id: 'latency-p99', label: `p99 ${what}`, unit: 'ms', better: 'lower' },
          target.spec.name,
          r.p99Ms,
        );
      }
    }
    if (caddyAvailable()) await viaCaddy(running, book, opts);
    else notes.push('latency through Caddy TLS: not measured (no caddy binary on this machine)');
  } finally {
    await stopAll(running);
  }
  log('latency: done');
}

/** The same latency rounds through Caddy terminating TLS (`tls internal`), as in the deployment. */
async function viaCaddy(running: readonly RunningTarget[], book: Book, opts: Options) {
  const caddy = await startCaddy(running.map((t) => t.endpoint));
  try {
    const via = (t: RunningTarget) => caddy.endpointFor(t.endpoint);
    for (const target of running)
      await latencyRound(
        target,
        Math.min(20, opts.sizes.latencyItems),
        opts.sizes.latencyDelayMs,
        via(target),
      );
    for (let round = 0; round < opts.sizes.rounds; round += 1) {
      for (const target of rotated(running, round)) {
        const r = await latencyRound(target, opts.sizes.latencyItems, opts.sizes.latencyDelayMs, via(target));
        const what = `emit-to-receive, via Caddy TLS, ${opts.sizes.latencyItems} items ${opts.sizes.latencyDelayMs} ms apart`;
        book.add(
          { id: 'latency-caddy-p50', label: `p50 ${what}`, unit: 'ms', better: 'lower' },
          target.spec.name,
          r.p50Ms,
        );
        book.add(
          { id: 'latency-caddy-p99', label: `p99 ${what}`, unit: 'ms', better: 'lower' },
          target.spec.name,
          r.p99Ms,
        );
      }
    }
  } finally {
    await caddy.stop();
  }
}

async function freshScenarios(
  specs: TargetSpec[],
  key: BenchKey,
  book: Book,
  opts: Options,
  notes: string[],
) {
  const { streams, streamItems, streamDelayMs, idleSessions, idleBudgetMs, rounds } = opts.sizes;
  const what = `${streams} streams × ${streamItems} items ${streamDelayMs} ms apart`;
  for (let round = 0; round < rounds; round += 1) {
    for (const spec of rotated(specs, round)) {
      const r = await withFresh(spec, key, (t) => streamsRound(t, streams, streamItems, streamDelayMs));
      book.add(
        { id: 'streams-errors', label: `errors, ${what}`, unit: 'count', better: 'lower' },
        spec.name,
        r.errors,
      );
      book.add(
        { id: 'streams-gap-p99', label: `p99 gap between progress, ${what}`, unit: 'ms', better: 'lower' },
        spec.name,
        r.p99GapMs,
      );
      book.add(
        { id: 'streams-rss', label: `server peak RSS, ${what}`, unit: 'MB', better: 'lower' },
        spec.name,
        r.peakRssBytes / 2 ** 20,
      );
    }
  }
  log('streams: done');
  for (let round = 0; round < rounds; round += 1) {
    for (const spec of rotated(
      specs.filter((s) => s.sessions),
      round,
    )) {
      const r = await withFresh(spec, key, (t) => idleSessionsRound(t, idleSessions, idleBudgetMs));
      if (r.errors > 0)
        notes.push(`idle sessions ${spec.name} round ${round + 1}: ${r.errors} failed to open`);
      if (r.opened + r.errors < idleSessions) {
        notes.push(
          `idle sessions ${spec.name} round ${round + 1}: only ${r.opened} opened within ${idleBudgetMs / 1000} s`,
        );
      }
      book.add(
        {
          id: 'idle-session-kb',
          label: `RSS per idle legacy session (${idleSessions} sessions)`,
          unit: 'KB',
          better: 'lower',
        },
        spec.name,
        r.bytesPerSession / 1024,
      );
    }
  }
  log('idle sessions: done');
}

/** How to repeat this run: the npm script and its arguments, where the figures went left out. */
function commandOf(argv: readonly string[]): string {
  const quick = argv.some((a) => a === '--quick' || a === '--tiny');
  const rest = argv.filter((a) => a !== '--quick' && !a.startsWith('--out'));
  return `npm run bench${quick ? ':quick' : ''}${rest.length > 0 ? ` -- ${rest.join(' ')}` : ''}`;
}

function resultPath(opts: Options, date: string): string {
  if (opts.out) return resolve(opts.out);
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  let path = join(dir, `${date}.json`);
  for (let n = 2; existsSync(path); n += 1) path = join(dir, `${date}-${n}.json`);
  return path;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opts = parseOptions(argv);
  const notes: string[] = [];
  const specs = TARGETS.filter((t) => opts.targets.includes(t.name)).filter((t) => {
    if (!t.redis || redisAvailable()) return true;
    if (opts.targetsNamed) throw new Error(`${t.name} needs Debian's redis-server, which is not installed`);
    notes.push(`${t.name}: not measured (no redis-server on this machine)`);
    return false;
  });
  const names = specs.map((s) => s.name) as TargetName[];
  const dir = mkdtempSync(join(tmpdir(), 'beacon-bench-'));
  const key = createBenchKey(dir);
  const book = new FigureBook(REFERENCE);
  const startedAt = new Date();
  const load = loadavg()[0] ?? 0;
  const runs = (scenario: Scenario) => opts.scenarios.includes(scenario);
  let replicas: ReplicasReport | undefined;
  try {
    if (runs('startup')) {
      await startupScenario(specs, key, book, opts);
      log('startup: done');
    }
    if (runs('steady')) await steadyScenarios(specs, key, book, opts, notes);
    if (runs('latency')) await latencyScenario(specs, key, book, opts, notes);
    if (runs('fresh')) await freshScenarios(specs, key, book, opts, notes);
    if (runs('replicas')) {
      if (caddyAvailable() && redisAvailable()) {
        replicas = await replicasScenario(opts.sizes, dir, log);
        notes.push(...replicas.notes);
      } else notes.push('replicas: not measured (needs caddy and redis-server on this machine)');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const figures = book.figures(names);
  const goals = evaluateGoals(figures, names);
  const table = markdownTable(figures, names);
  const result = {
    date: startedAt.toISOString(),
    durationS: Math.round((Date.now() - startedAt.getTime()) / 1000),
    command: commandOf(argv),
    mode: opts.mode,
    scenarios: opts.scenarios,
    sizes: opts.sizes,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      loadAverageAtStart: Number(load.toFixed(2)),
      loadAverageAtEnd: Number((loadavg()[0] ?? 0).toFixed(2)),
    },
    reference: 'sdk-bare',
    targets: names,
    notes,
    goals,
    figures,
    table,
    replicas,
  };
  const path = resultPath(opts, startedAt.toISOString().slice(0, 10));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  if (figures.length > 0) {
    process.stdout.write(`${table}\n\nCells: median ±half the range across rounds (ratio to sdk-bare).\n\n`);
  }
  if (replicas) {
    process.stdout.write(
      `Replicas behind Caddy (TLS):\n\n${replicas.table}\n\nCells: median ±half the range across rounds (ratio to 1-memory).\n\n`,
    );
  }
  process.stdout.write(`${notes.map((n) => `- ${n}`).join('\n')}\n\n`);
  if (figures.length > 0)
    process.stdout.write(`Goals (beacon-prod unless named):\n${goalLines(goals).join('\n')}\n\n`);
  process.stdout.write(
    `${result.machine.cpus} × ${result.machine.cpuModel}, Node ${process.version}, load ${result.machine.loadAverageAtStart} → ${result.machine.loadAverageAtEnd}, ${result.durationS} s\nwrote ${path}\n`,
  );
}

// Exit (not die) on a signal, so the targets' and redis-servers' exit hooks stop them.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => process.exit(code));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
