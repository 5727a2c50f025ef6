/**
 * The soak's verdict, a pure function of the table: memory flat after the warm-up and no error.
 *
 * Each row holds the lowest RSS and heap used read during its interval. Between two major garbage
 * collections heap used only climbs (what survives the young generation piles up in the old one),
 * so an interval's floor traces that saw-tooth: in the first 10-minute run the floors went from
 * 32 MB to 43 MB and back, with major collections one to two minutes apart. One interval, or even
 * one minute, at each end can catch the top of a tooth at one end and the bottom at the other.
 * So the verdict compares the floor over a span as long as the warm-up, right after it, with the
 * floor over the same span at the end: each span holds a major collection, and a leak raises the
 * floor, where a late collection does not.
 *
 * The warm-up is a fifth of the run, at most 2 minutes: the 10-minute run warms up for
 * 2 minutes and compares minutes 2–4 with minutes 8–10; a 15 s smoke run still compares two rows.
 */
export const MAX_GROWTH_PCT = 10;
export const WARM_UP_CAP_S = 120;

export interface MemoryRow {
  /** The interval the row's readings come from: (fromS, elapsedS]. */
  fromS: number;
  elapsedS: number;
  rssBytes: number;
  heapUsedBytes: number;
}

/** The floor over a span of rows. */
export interface MemoryWindow {
  fromS: number;
  toS: number;
  rssBytes: number;
  heapUsedBytes: number;
}

export interface Verdict {
  pass: boolean;
  warmUpS: number;
  baseline: MemoryWindow | undefined;
  end: MemoryWindow | undefined;
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

/** How much of the run each compared window covers: as long as the warm-up, at least a row. */
export function spanSeconds(durationS: number, intervalS: number): number {
  return Math.max(intervalS, warmUpSeconds(durationS));
}

function windowOf(rows: readonly MemoryRow[]): MemoryWindow | undefined {
  const first = rows[0];
  const last = rows.at(-1);
  if (!first || !last) return undefined;
  return {
    fromS: first.fromS,
    toS: last.elapsedS,
    rssBytes: Math.min(...rows.map((r) => r.rssBytes)),
    heapUsedBytes: Math.min(...rows.map((r) => r.heapUsedBytes)),
  };
}

function growthPct(from: number, to: number): number {
  return from > 0 ? ((to - from) / from) * 100 : Number.NaN;
}

export function judge(
  rows: readonly MemoryRow[],
  durationS: number,
  intervalS: number,
  errors: number,
): Verdict {
  const warmUpS = warmUpSeconds(durationS);
  const spanS = spanSeconds(durationS, intervalS);
  const start = rows.find((r) => r.fromS >= warmUpS);
  const finish = rows.at(-1);
  const reasons: string[] = [];
  let baseline: MemoryWindow | undefined;
  let end: MemoryWindow | undefined;
  if (start && finish) {
    const startRows = rows.filter((r) => r.fromS >= start.fromS && r.elapsedS <= start.fromS + spanS);
    const endRows = rows.filter((r) => r.fromS >= finish.elapsedS - spanS);
    // The windows must not share a row: a row compared with itself says nothing.
    if ((startRows.at(-1)?.elapsedS ?? Number.POSITIVE_INFINITY) <= (endRows[0]?.fromS ?? 0)) {
      baseline = windowOf(startRows);
      end = windowOf(endRows);
    }
  }
  let rssGrowthPct = Number.NaN;
  let heapGrowthPct = Number.NaN;
  if (!baseline || !end) {
    reasons.push(`too short to judge memory: no two separate rows after the ${warmUpS} s warm-up`);
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
          `${what} grew ${pct.toFixed(1)}% from ${baseline.fromS}–${baseline.toS} s to ${end.fromS}–${end.toS} s (limit ${MAX_GROWTH_PCT}%)`,
        );
      }
    }
  }
  if (errors > 0) reasons.push(`${errors} error${errors === 1 ? '' : 's'}`);
  return { pass: reasons.length === 0, warmUpS, baseline, end, rssGrowthPct, heapGrowthPct, errors, reasons };
}
