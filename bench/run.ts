/**
 * The side-by-side bench: every scenario against every target in one run, targets alternating
 * (the order rotates each round), a warm-up before measuring, and the median and spread over
 * rounds. Prints a table with each target's ratio to the bare SDK and writes the figures as JSON.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { caddyAvailable, startCaddy } from './lib/caddy.js';
import { type FigureBook as Book, FigureBook, markdownTable } from './lib/figures.js';
import { evaluateGoals, goalLines } from './lib/goals.js';
import { newAgent, send } from './lib/http.js';
import { type Options, parseOptions } from './lib/options.js';
import {
  type BenchKey,
  createBenchKey,
  type RunningTarget,
  startTarget,
  TARGETS,
  type TargetName,
  type TargetSpec,
} from './lib/targets.js';
import { type Era, toolCall } from './lib/wire.js';
import { idleSessionsRound } from './scenarios/idle-sessions.js';
import { latencyRound } from './scenarios/latency.js';
import { streamsRound } from './scenarios/streams.js';
import { throughputRound } from './scenarios/throughput.js';
import { toolCallRound } from './scenarios/tool-calls.js';

const ROOT = resolve(import.meta.dirname, '..');

const BEGAN = performance.now();

/** Progress on stderr, with seconds since the start, so a slow phase shows itself. */
function log(line: string): void {
  process.stderr.write(`[${((performance.now() - BEGAN) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
}

/** Round r visits the targets starting at r: nobody is always first (cold) or last (hot machine). */
function rotated<T>(items: readonly T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
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
    for (let i = 0; i < opts.sizes.throughputWarmUps; i += 1)
      await throughputRound(target, opts.sizes.throughputItems);
    for (const era of target.spec.eras)
      await toolCallRound(target, era, 4, Math.min(300, opts.sizes.callDurationMs));
  }
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
    log('throughput and tool calls: warm-up');
    await warmUp(running, opts);
    for (let round = 0; round < opts.sizes.throughputRounds; round += 1) {
      for (const target of rotated(running, round)) {
        const r = await throughputRound(target, opts.sizes.throughputItems);
        if (r.received !== r.expected)
          notes.push(
            `throughput ${target.spec.name} round ${round + 1}: ${r.received}/${r.expected} notifications`,
          );
        book.add(
          {
            id: 'throughput',
            label: `notifications/s, 1 stream, ${opts.sizes.throughputItems} items`,
            unit: 'notif/s',
            better: 'higher',
          },
          target.spec.name,
          r.perSecond,
        );
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
  } finally {
    await stopAll(running);
  }
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

function resultPath(opts: Options, date: string): string {
  if (opts.out) return resolve(opts.out);
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  let path = join(dir, `${date}.json`);
  for (let n = 2; existsSync(path); n += 1) path = join(dir, `${date}-${n}.json`);
  return path;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const specs = TARGETS.filter((t) => opts.targets.includes(t.name));
  const names = specs.map((s) => s.name) as TargetName[];
  const dir = mkdtempSync(join(tmpdir(), 'beacon-bench-'));
  const key = createBenchKey(dir);
  const book = new FigureBook();
  const notes: string[] = [];
  const startedAt = new Date();
  const load = loadavg()[0] ?? 0;
  try {
    await startupScenario(specs, key, book, opts);
    log('startup: done');
    await steadyScenarios(specs, key, book, opts, notes);
    await latencyScenario(specs, key, book, opts, notes);
    await freshScenarios(specs, key, book, opts, notes);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const figures = book.figures(names);
  const goals = evaluateGoals(figures);
  const table = markdownTable(figures, names);
  const result = {
    date: startedAt.toISOString(),
    durationS: Math.round((Date.now() - startedAt.getTime()) / 1000),
    command: `npm run bench${opts.mode === 'full' ? '' : `:quick${opts.mode === 'tiny' ? ' -- --tiny' : ''}`}`,
    mode: opts.mode,
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
  };
  const path = resultPath(opts, startedAt.toISOString().slice(0, 10));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${table}\n\nCells: median ±half the range across rounds (ratio to sdk-bare).\n\n`);
  process.stdout.write(
    `${notes.map((n) => `- ${n}`).join('\n')}\n\nGoals (beacon-prod):\n${goalLines(goals).join('\n')}\n\n`,
  );
  process.stdout.write(
    `${result.machine.cpus} × ${result.machine.cpuModel}, Node ${process.version}, load ${result.machine.loadAverageAtStart} → ${result.machine.loadAverageAtEnd}, ${result.durationS} s\nwrote ${path}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
