/**
 * The harness's arithmetic: percentiles of samples within a round, and the median and spread of
 * one figure across rounds. Pure, so the unit tests pin it down exactly.
 */

/**
 * The p-th percentile (0–100) by the nearest-rank method: the smallest sample with at least p% of
 * the samples at or below it. Nearest-rank always returns a value that was actually observed, so a
 * p99 over 100 samples is the slowest one but one, never an interpolation between two.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new RangeError('percentile of no samples');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100 (got ${p})`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/** The middle value; for an even count, the mean of the two middle values. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('median of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** One figure across rounds: the median is the headline; min, max and spread say how noisy it was. */
export interface RoundSummary {
  median: number;
  min: number;
  max: number;
  /** (max − min) / median, in percent: how far apart the rounds were. 0 when the median is 0. */
  spreadPct: number;
  rounds: number[];
}

export function summarise(rounds: readonly number[]): RoundSummary {
  const m = median(rounds);
  const min = Math.min(...rounds);
  const max = Math.max(...rounds);
  return {
    median: m,
    min,
    max,
    spreadPct: m === 0 ? 0 : ((max - min) / Math.abs(m)) * 100,
    rounds: [...rounds],
  };
}

/** A target's figure over the reference's; null when either is missing or the reference is 0. */
export function ratio(value: number | undefined, reference: number | undefined): number | null {
  if (value === undefined || reference === undefined || reference === 0) return null;
  return value / reference;
}
