export interface SoakOptions {
  /** How long the load runs, in seconds. */
  durationS: number;
  /** Seconds between two table rows (30 by default; shorter for short runs). */
  intervalS: number;
  /** Where the JSON record goes; none when unset. */
  out: string | undefined;
}

export const USAGE = 'usage: soak [--minutes N | --seconds N] [--interval SECONDS] [--out FILE]';

function positive(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || value === '' || !Number.isFinite(n) || n <= 0) {
    throw new Error(`${flag} needs a positive number (got ${value ?? 'nothing'})\n${USAGE}`);
  }
  return n;
}

/** Reads `--flag value` and `--flag=value` alike; the default run is the 10 minutes. */
export function parseSoakOptions(argv: readonly string[]): SoakOptions {
  let durationS = 600;
  let intervalS = 30;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (flag === '--minutes') durationS = positive(flag, value) * 60;
    else if (flag === '--seconds') durationS = positive(flag, value);
    else if (flag === '--interval') intervalS = positive(flag, value);
    else if (flag === '--out' && value) out = value;
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  if (intervalS > durationS) {
    throw new Error(`--interval (${intervalS} s) is longer than the run (${durationS} s)\n${USAGE}`);
  }
  return { durationS, intervalS, out };
}
