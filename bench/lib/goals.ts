import type { Figure } from './figures.js';
import type { TargetName } from './targets.js';

export interface GoalVerdict {
  goal: string;
  /** What was measured, in the goal's own terms; null when the figure is missing. */
  measured: number | null;
  /** Null when not measured, or for a row reported without a goal. */
  met: boolean | null;
  /** A ratio printed beside the goals for context, with no bound to meet. */
  info?: true;
}

type Check =
  | {
      goal: string;
      figure: string;
      kind: 'ratio';
      /** Whose median is divided; beacon-prod unless named. */
      subject?: TargetName;
      against: TargetName;
      /** Absent: an information row, no verdict. */
      atLeast?: number;
    }
  | { goal: string; figure: string; kind: 'absolute'; atMost?: number; below?: number };

const LEVELS = [1, 16, 64] as const;

/**
 * Shared state in Redis (beacon-redis: beacon-prod's settings plus REDIS_URL), against in-memory
 * beacon-prod in the same run. The 2026-07-28 era should not touch Redis on its hot path; in the
 * 2025 era every notification is also written to the Redis event store.
 */
const SHARED_STATE: Check[] = [
  ...LEVELS.map(
    (c): Check => ({
      goal: `beacon-redis modern calls/s c=${c} ≥ 0.95× beacon-prod`,
      figure: `calls-modern-c${c}`,
      kind: 'ratio',
      subject: 'beacon-redis',
      against: 'beacon-prod',
      atLeast: 0.95,
    }),
  ),
  {
    goal: 'beacon-redis modern notifications/s ≥ 0.95× beacon-prod',
    figure: 'throughput',
    kind: 'ratio',
    subject: 'beacon-redis',
    against: 'beacon-prod',
    atLeast: 0.95,
  },
  {
    goal: 'beacon-redis legacy notifications/s ≥ 0.7× beacon-prod',
    figure: 'throughput-legacy',
    kind: 'ratio',
    subject: 'beacon-redis',
    against: 'beacon-prod',
    atLeast: 0.7,
  },
  ...(['beacon-prod', 'sdk-bare'] as const).flatMap((against) =>
    LEVELS.map(
      (c): Check => ({
        goal: `beacon-redis legacy calls/s c=${c} vs ${against}`,
        figure: `calls-legacy-c${c}`,
        kind: 'ratio',
        subject: 'beacon-redis',
        against,
      }),
    ),
  ),
];

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
    goal: 'throughput read by the SDK v2 client ≥ 1.0× sdk-bare',
    figure: 'throughput-sdk-client',
    kind: 'ratio',
    against: 'sdk-bare',
    atLeast: 1.0,
  },
  {
    goal: 'throughput-legacy read by the SDK v2 client vs sdk-bare',
    figure: 'throughput-legacy-sdk-client',
    kind: 'ratio',
    against: 'sdk-bare',
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
  ...SHARED_STATE,
];

const subjectOf = (check: Check): TargetName =>
  check.kind === 'ratio' ? (check.subject ?? 'beacon-prod') : 'beacon-prod';

/**
 * Checks each goal against its subject's medians (Beacon with production settings unless named).
 * Goals about a target the run left out are left out too.
 */
export function evaluateGoals(figures: readonly Figure[], targets: readonly TargetName[]): GoalVerdict[] {
  const byId = new Map(figures.map((f) => [f.id, f]));
  return CHECKS.filter((check) => targets.includes(subjectOf(check))).map((check) => {
    const info = check.kind === 'ratio' && check.atLeast === undefined ? { info: true as const } : {};
    const figure = byId.get(check.figure);
    const subject = figure?.values[subjectOf(check)]?.median;
    if (!figure || subject === undefined) return { goal: check.goal, measured: null, met: null, ...info };
    if (check.kind === 'absolute') {
      const met =
        check.atMost !== undefined
          ? subject <= check.atMost
          : subject < (check.below ?? Number.POSITIVE_INFINITY);
      return { goal: check.goal, measured: subject, met };
    }
    const other = figure.values[check.against]?.median;
    if (other === undefined || other === 0) return { goal: check.goal, measured: null, met: null, ...info };
    const measured = subject / other;
    const met = check.atLeast === undefined ? null : measured >= check.atLeast;
    return { goal: check.goal, measured, met, ...info };
  });
}

export function goalLines(verdicts: readonly GoalVerdict[]): string[] {
  return verdicts.map((v) => {
    const mark = v.info ? 'info' : v.met === null ? '–' : v.met ? 'met' : 'MISSED';
    const value = v.measured === null ? 'not measured' : Number(v.measured.toFixed(3)).toString();
    return `- ${v.goal}: ${value} (${mark})`;
  });
}
