import type { Figure } from './figures.js';

export interface GoalVerdict {
  goal: string;
  /** What was measured, in the goal's own terms; null when the figure is missing. */
  measured: number | null;
  met: boolean | null;
}

type Check =
  | {
      goal: string;
      figure: string;
      kind: 'ratio';
      against: 'sdk-bare' | 'raw-sse' | 'fastmcp';
      atLeast: number;
    }
  | { goal: string; figure: string; kind: 'absolute'; atMost?: number; below?: number };

/** The goals, for Beacon with production settings. Ratios come from the same run. */
const CHECKS: Check[] = [
  {
    goal: 'throughput ≥ 1.0× sdk-bare',
    figure: 'throughput',
    kind: 'ratio',
    against: 'sdk-bare',
    atLeast: 1.0,
  },
  {
    goal: 'throughput ≥ 0.5× raw-sse (aim)',
    figure: 'throughput',
    kind: 'ratio',
    against: 'raw-sse',
    atLeast: 0.5,
  },
  ...(['modern', 'legacy'] as const).flatMap((era) =>
    [1, 16, 64].map(
      (c): Check => ({
        goal: `${era} calls/s c=${c} ≥ 0.9× sdk-bare`,
        figure: `calls-${era}-c${c}`,
        kind: 'ratio',
        against: 'sdk-bare',
        atLeast: 0.9,
      }),
    ),
  ),
  ...[1, 16, 64].map(
    (c): Check => ({
      goal: `legacy calls/s c=${c} ≥ 1.5× fastmcp`,
      figure: `calls-legacy-c${c}`,
      kind: 'ratio',
      against: 'fastmcp',
      atLeast: 1.5,
    }),
  ),
  { goal: 'p99 emit-to-receive ≤ 2 ms direct', figure: 'latency-p99', kind: 'absolute', atMost: 2 },
  {
    goal: 'p99 emit-to-receive ≤ 5 ms via Caddy TLS',
    figure: 'latency-caddy-p99',
    kind: 'absolute',
    atMost: 5,
  },
  { goal: 'concurrent streams: 0 errors', figure: 'streams-errors', kind: 'absolute', atMost: 0 },
  { goal: '≤ 40 KB RSS per idle legacy session', figure: 'idle-session-kb', kind: 'absolute', atMost: 40 },
  { goal: 'ready in < 500 ms', figure: 'startup', kind: 'absolute', below: 500 },
];

/** Checks each goal against Beacon's production-settings medians. */
export function evaluateGoals(figures: readonly Figure[]): GoalVerdict[] {
  const byId = new Map(figures.map((f) => [f.id, f]));
  return CHECKS.map((check) => {
    const figure = byId.get(check.figure);
    const prod = figure?.values['beacon-prod']?.median;
    if (!figure || prod === undefined) return { goal: check.goal, measured: null, met: null };
    if (check.kind === 'absolute') {
      const met =
        check.atMost !== undefined ? prod <= check.atMost : prod < (check.below ?? Number.POSITIVE_INFINITY);
      return { goal: check.goal, measured: prod, met };
    }
    const other = figure.values[check.against]?.median;
    if (other === undefined || other === 0) return { goal: check.goal, measured: null, met: null };
    const measured = prod / other;
    return { goal: check.goal, measured, met: measured >= check.atLeast };
  });
}

export function goalLines(verdicts: readonly GoalVerdict[]): string[] {
  return verdicts.map((v) => {
    const mark = v.met === null ? '–' : v.met ? 'met' : 'MISSED';
    const value = v.measured === null ? 'not measured' : Number(v.measured.toFixed(3)).toString();
    return `- ${v.goal}: ${value} (${mark})`;
  });
}
