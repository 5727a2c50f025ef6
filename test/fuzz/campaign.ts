/**
 * A fuzz run: `count` cases from one seed, sent with bounded concurrency to the live targets,
 * each judged by the invariants and tallied by status and kind. A failing case is replayed and
 * shrunk by fast-check from the same seed and index, so a report names a small request that
 * `--seed S --replay PATH` sends again.
 */
import fc from 'fast-check';
import { fuzzCase } from './arbitraries.js';
import type { FuzzCase } from './fuzz-case.js';
import { type Outcome, runCase } from './run-case.js';
import type { FuzzTargets } from './targets.js';

/** Cases generated at a time: fast-check walks to a run by index, so each chunk starts where it left off. */
const CHUNK = 1_000;
/** Failures kept for the report (the first of each kind of problem); the run goes on counting the rest. */
const MAX_KEPT = 20;

/** A problem in short, without the details that vary from case to case: `status 500`, `body leaks a stack frame`. */
export function problemKind(problem: string): string {
  return problem.replace(/\s*[:"(].*$/s, '');
}

export interface Failure extends Outcome {
  index: number;
  kase: FuzzCase;
}

export interface CampaignResult {
  /** status → count. */
  byStatus: Map<string, number>;
  /** kind → status → count. */
  byKind: Map<string, Map<string, number>>;
  failures: Failure[];
  failed: number;
  /** What went wrong, by `problemKind` → how many cases. */
  problems: Map<string, number>;
  elapsedMs: number;
}

function tally(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

export interface CampaignOptions {
  count: number;
  seed: number;
  concurrency: number;
  /** Called every 1,000 cases. */
  onProgress?: (done: number) => void;
}

export async function runCampaign(targets: FuzzTargets, options: CampaignOptions): Promise<CampaignResult> {
  const started = performance.now();
  const result: CampaignResult = {
    byStatus: new Map(),
    byKind: new Map(),
    problems: new Map(),
    failures: [],
    failed: 0,
    elapsedMs: 0,
  };
  let chunkStart = 0;
  let chunk: FuzzCase[] = [];
  const caseAt = (index: number): FuzzCase => {
    if (index >= chunkStart + chunk.length) {
      chunkStart = index;
      chunk = fc.sample(fuzzCase, {
        seed: options.seed,
        path: String(index),
        numRuns: Math.min(CHUNK, options.count - index),
      });
    }
    return chunk[index - chunkStart] as FuzzCase;
  };
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < options.count) {
      const index = next++;
      const kase = caseAt(index);
      const outcome = await runCase(targets, kase);
      const status = String(outcome.response.status);
      tally(result.byStatus, status);
      const kind = result.byKind.get(kase.kind) ?? new Map<string, number>();
      result.byKind.set(kase.kind, kind);
      tally(kind, status);
      const kinds = outcome.problems.map(problemKind);
      const novel = kinds.some((k) => !result.problems.has(k));
      for (const k of kinds) tally(result.problems, k);
      if (outcome.problems.length > 0) {
        result.failed += 1;
        if (novel && result.failures.length < MAX_KEPT) result.failures.push({ index, kase, ...outcome });
      }
      done += 1;
      if (done % 1_000 === 0) options.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  result.elapsedMs = performance.now() - started;
  return result;
}

export interface Shrunk {
  /** For `--replay`: the case's index, then fast-check's shrink steps. */
  path: string;
  kase: FuzzCase;
  problems: string;
}

/**
 * Replays case `path` of `seed` alone and lets fast-check shrink it, within `timeLimitMs`.
 * Undefined when the case passes alone (it failed only under load, or the server has changed).
 */
export async function shrink(
  targets: FuzzTargets,
  seed: number,
  path: string,
  timeLimitMs: number,
): Promise<Shrunk | undefined> {
  const details = await fc.check(
    fc.asyncProperty(fuzzCase, async (kase) => {
      const { problems } = await runCase(targets, kase);
      if (problems.length > 0) throw new Error(problems.join('; '));
    }),
    { seed, path, numRuns: 1, plugins: [fc.interruptAfterTimeLimit(timeLimitMs)] },
  );
  // fc.check types its counterexample loosely; the property above takes one FuzzCase.
  const kase = (details.counterexample as [FuzzCase] | null)?.[0];
  if (!details.failed || kase === undefined) return undefined;
  return {
    path: details.counterexamplePath ?? path,
    kase,
    problems: (details.errorInstance as Error | undefined)?.message ?? String(details.errorInstance),
  };
}
