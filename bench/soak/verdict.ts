/**
 * The soak's verdict, a pure function of the table: memory flat after the warm-up and no error.
 *
 * Memory is judged between the first row at or after the warm-up and the last row. The warm-up is
 * a fifth of the run, at most 2 minutes: the 10-minute run compares minute 2 with the end,
 * and a 20 s smoke run still compares two rows after its JIT and caches have settled a little.
 */
export const MAX_GROWTH_PCT = 10;
export const WARM_UP_CAP_S = 120;

export interface MemoryRow {
  elapsedS: number;
  rssBytes: number;
  heapUsedBytes: number;
}

export interface Verdict {
  pass: boolean;
  warmUpS: number;
  baseline: MemoryRow | undefined;
  end: MemoryRow | undefined;
  /** Growth from baseline to end, in percent; NaN when there is nothing to compare. */
  rssGrowthPct: number;
  heapGrowthPct: number;
  errors: number;
  /** Why it failed, one line each; empty on a pass. */
  reasons: string[];
}

export function warmUpSeconds(durationS: number): number {
  return Math.min(WARM_UP_CAP_S, durationS / 5);
}

function growthPct(from: number, to: number): number {
  return from > 0 ? ((to - from) / from) * 100 : Number.NaN;
}

export function judge(rows: readonly MemoryRow[], durationS: number, errors: number): Verdict {
  const warmUpS = warmUpSeconds(durationS);
  const baseline = rows.find((r) => r.elapsedS >= warmUpS);
  const end = rows.at(-1);
  const reasons: string[] = [];
  let rssGrowthPct = Number.NaN;
  let heapGrowthPct = Number.NaN;
  if (!baseline || !end || baseline === end) {
    reasons.push(`too short to judge memory: no two rows at or after the ${warmUpS} s warm-up`);
  } else {
    rssGrowthPct = growthPct(baseline.rssBytes, end.rssBytes);
    heapGrowthPct = growthPct(baseline.heapUsedBytes, end.heapUsedBytes);
    for (const [what, pct] of [
      ['RSS', rssGrowthPct],
      ['heap used', heapGrowthPct],
    ] as const) {
      // NaN (no reading) fails too: a verdict needs the figure it is about.
      if (!(pct < MAX_GROWTH_PCT)) {
        reasons.push(
          `${what} grew ${pct.toFixed(1)}% from ${baseline.elapsedS} s to ${end.elapsedS} s (limit ${MAX_GROWTH_PCT}%)`,
        );
      }
    }
  }
  if (errors > 0) reasons.push(`${errors} error${errors === 1 ? '' : 's'}`);
  return { pass: reasons.length === 0, warmUpS, baseline, end, rssGrowthPct, heapGrowthPct, errors, reasons };
}
