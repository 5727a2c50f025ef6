/**
 * The soak: mixed load on Beacon with production settings for a while, a table row of calls,
 * errors and server memory every interval, and a verdict (memory flat after the warm-up, zero
 * errors). Exit 0 on a pass, 1 on a fail.
 *
 *   npm run soak -- --minutes 10 [--interval 30] [--out FILE]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBenchKey, type RunningTarget, startTarget, TARGETS } from './lib/targets.js';
import { LANES, runLane } from './soak/lanes.js';
import { parseSoakOptions, type SoakOptions } from './soak/options.js';
import { readServer, type ServerReading } from './soak/server-readings.js';
import { clock, errorCell, type SoakRow, TABLE_HEADER, tableRow } from './soak/table.js';
import { Tally } from './soak/tally.js';
import { judge, MAX_GROWTH_PCT, type MemoryWindow, type Verdict } from './soak/verdict.js';

/**
 * Beacon's quotas, set explicitly: every lane calls with the one API key, so per-principal limits
 * apply to the whole load, and the soak measures Beacon serving it, not refusing it. The rate
 * limit stays on (as in production) at a level the soak never reaches (it sends tens of thousands
 * of requests a minute). LEGACY_SSE serves the HTTP+SSE lane.
 */
const SOAK_ENV = {
  RATE_LIMIT_PER_MINUTE: '10000000',
  MAX_CALLS_PER_PRINCIPAL: '256',
  MAX_CONCURRENT_CALLS: '1000',
  MAX_STREAMS: '5000',
  LEGACY_SSE: 'true',
};

/** How often the server is read; each row shows the lowest memory reading of its interval. */
const READING_EVERY_MS = 1000;
/** How long the server gets, after the load, to close what the clients closed. */
const SETTLE_MS = 10_000;

const out = (line = '') => process.stdout.write(`${line}\n`);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const signed = (pct: number) => `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;

/**
 * Reads the server about once a second and prints a row at the end of each interval with the
 * interval's lowest RSS and heap used. Heap used saw-tooths between garbage collections, so one
 * reading can be tens of percent above another with nothing retained; the floor is what a leak
 * raises.
 */
async function sampleRows(
  target: RunningTarget,
  metricsUrl: string,
  opts: SoakOptions,
  started: number,
  tally: Tally,
): Promise<SoakRow[]> {
  const rows: SoakRow[] = [];
  const perRow = Math.max(1, Math.round((opts.intervalS * 1000) / READING_EVERY_MS));
  const tickMs = (opts.intervalS * 1000) / perRow;
  const endMs = opts.durationS * 1000;
  let window: ServerReading[] = [];
  for (let tick = 1; ; tick += 1) {
    const atMs = Math.min(tick * tickMs, endMs);
    await sleep(Math.max(0, started + atMs - performance.now()));
    target.rss(); // throws with the target's own stderr if it died
    const reading = await readServer(metricsUrl);
    window.push(reading);
    const last = atMs >= endMs;
    if (tick % perRow === 0 || last) {
      const row: SoakRow = {
        fromS: rows.at(-1)?.elapsedS ?? 0,
        elapsedS: atMs / 1000,
        calls: tally.calls,
        cancelled: tally.cancelled,
        resumed: tally.resumed,
        sessions: tally.sessions,
        errors: { ...tally.errors },
        rssBytes: Math.min(...window.map((r) => r.rssBytes)),
        heapUsedBytes: Math.min(...window.map((r) => r.heapUsedBytes)),
        sessionsOpen: reading.sessionsOpen,
        streamsOpen: reading.streamsOpen,
      };
      rows.push(row);
      out(tableRow(row));
      window = [];
    }
    if (last) return rows;
  }
}

/**
 * After the load: every session and stream the clients closed must be gone, and, when the
 * clients saw no error, the server's own call counts must match theirs exactly.
 */
async function settle(metricsUrl: string, tally: Tally): Promise<ServerReading> {
  const clean = tally.errorCount === 0;
  const matches = (r: ServerReading) =>
    r.calls.ok === tally.calls && r.calls.cancelled === tally.cancelled && r.calls.error === 0;
  const deadline = performance.now() + SETTLE_MS;
  let reading = await readServer(metricsUrl);
  while (
    performance.now() < deadline &&
    (reading.sessionsOpen > 0 || reading.streamsOpen > 0 || (clean && !matches(reading)))
  ) {
    await sleep(250);
    reading = await readServer(metricsUrl);
  }
  const after = `${SETTLE_MS / 1000} s after the load`;
  if (reading.sessionsOpen > 0) tally.fail('leak', `${reading.sessionsOpen} sessions still open ${after}`);
  if (reading.streamsOpen > 0) tally.fail('leak', `${reading.streamsOpen} SSE streams still open ${after}`);
  if (clean && !matches(reading)) {
    tally.fail(
      'count',
      `the server counted ${reading.calls.ok} ok, ${reading.calls.cancelled} cancelled, ${reading.calls.error} failed calls; the clients ${tally.calls} ok, ${tally.cancelled} cancelled`,
    );
  }
  return reading;
}

function verdictLines(verdict: Verdict): string[] {
  const { baseline, end } = verdict;
  const span = (w: MemoryWindow) => `${clock(w.fromS)}–${clock(w.toS)}`;
  const memory =
    baseline && end
      ? `lowest readings ${span(baseline)} → ${span(end)}: RSS ${mb(baseline.rssBytes)} → ${mb(end.rssBytes)} (${signed(verdict.rssGrowthPct)}), heap used ${mb(baseline.heapUsedBytes)} → ${mb(end.heapUsedBytes)} (${signed(verdict.heapGrowthPct)})`
      : 'memory not compared';
  return [
    `Verdict: ${verdict.pass ? 'PASS' : 'FAIL'}; ${memory}; ${verdict.errors} errors (warm-up ${clock(verdict.warmUpS)}, limit < ${MAX_GROWTH_PCT}% growth, 0 errors)`,
    ...verdict.reasons.map((r) => `- ${r}`),
  ];
}

async function main(): Promise<number> {
  const opts = parseSoakOptions(process.argv.slice(2));
  const spec = TARGETS.find((t) => t.name === 'beacon-prod');
  if (!spec) throw new Error('no beacon-prod target');
  const dir = mkdtempSync(join(tmpdir(), 'beacon-soak-'));
  const tally = new Tally();
  const loadAtStart = loadavg()[0] ?? 0;
  let target: RunningTarget | undefined;
  try {
    target = await startTarget(spec, createBenchKey(dir), { env: SOAK_ENV });
    const metricsUrl = target.metricsUrl;
    if (!metricsUrl) throw new Error('beacon-prod has no metrics listener');
    out(
      `Soak: ${clock(opts.durationS)} of mixed load on beacon-prod (${LANES.length} lanes: ${LANES.join(', ')}), a row every ${opts.intervalS} s`,
    );
    out(
      `Settings beyond beacon-prod's: ${Object.entries(SOAK_ENV)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
    out();
    out(TABLE_HEADER);
    const started = performance.now();
    const ctx = { endpoint: target.endpoint, tally, deadline: started + opts.durationS * 1000 };
    const lanes = Promise.all(LANES.map((kind, index) => runLane(kind, ctx, index)));
    const rows = await sampleRows(target, metricsUrl, opts, started, tally);
    await lanes;
    const settled = await settle(metricsUrl, tally);
    const verdict = judge(rows, opts.durationS, opts.intervalS, tally.errorCount);
    out();
    out(
      `The clients: ${tally.calls} calls ok (${tally.resumed} of them resumed), ${tally.cancelled} cancelled, ${tally.sessions} sessions opened and closed`,
    );
    out(
      `After the load: ${settled.sessionsOpen} sessions and ${settled.streamsOpen} streams open; the server counted ${settled.calls.ok} ok, ${settled.calls.cancelled} cancelled, ${settled.calls.error} failed calls; refused requests: ${JSON.stringify(settled.rejected)}; errors: ${errorCell(tally.errors)}`,
    );
    for (const message of tally.messages) out(`- ${message}`);
    for (const line of verdictLines(verdict)) out(line);
    out(
      `Load average ${loadAtStart.toFixed(2)} → ${(loadavg()[0] ?? 0).toFixed(2)}, Node ${process.version}`,
    );
    if (opts.out) {
      const path = resolve(opts.out);
      mkdirSync(dirname(path), { recursive: true });
      const record = {
        date: new Date().toISOString(),
        options: opts,
        lanes: LANES,
        env: SOAK_ENV,
        rows,
        settled,
        errors: tally.errors,
        messages: tally.messages,
        verdict,
      };
      writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
    }
    return verdict.pass ? 0 : 1;
  } finally {
    await target?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
