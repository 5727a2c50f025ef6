/**
 * `npm run fuzz -- [--count N] [--seed S] [--concurrency C] [--replay PATH]`
 *
 * Starts the two fuzz targets, sends N hostile requests from seed S, and prints the counts by
 * status and by case kind. Exits 1 on any violation, naming the seed and the shrunk counterexample;
 * `--replay PATH` (with the same seed) sends that one case again and prints its answer.
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { fuzzCase } from './arbitraries.js';
import { runCampaign, shrink } from './campaign.js';
import type { FuzzCase } from './fuzz-case.js';
import { describeCase, formatCounts } from './report.js';
import { runCase } from './run-case.js';
import { healthProblems, startTargets } from './targets.js';

/** Shrinking sends the case again and again: a bound on each, and on how many are shrunk. */
const SHRINK_TIME_LIMIT_MS = 60_000;
const MAX_SHRUNK = 5;

function usage(message: string): never {
  console.error(
    `${message}\nusage: npm run fuzz -- [--count N] [--seed S] [--concurrency C] [--replay PATH]`,
  );
  process.exit(2);
}

function positiveInt(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) usage(`--${name} must be a whole number of at least ${min}`);
  return Number(raw);
}

const { values } = parseArgs({
  options: {
    count: { type: 'string' },
    seed: { type: 'string' },
    concurrency: { type: 'string' },
    replay: { type: 'string' },
    help: { type: 'boolean' },
  },
  strict: true,
});
if (values.help) usage('Sends hostile requests to two live Beacon processes and checks every answer.');
const count = positiveInt('count', values.count, 10_000);
const seed = positiveInt('seed', values.seed, Math.floor(Math.random() * 2 ** 31), 0);
const concurrency = positiveInt('concurrency', values.concurrency, 8);

/** The case `--replay` names, found before any server starts so a bad path leaves nothing running. */
function replayCase(path: string): FuzzCase {
  let kase: FuzzCase | undefined;
  try {
    [kase] = fc.sample(fuzzCase, { seed, path, numRuns: 1 });
  } catch {}
  return kase ?? usage(`--replay ${path} names no case of seed ${seed}`);
}
const replay = values.replay === undefined ? undefined : replayCase(values.replay);

const targets = await startTargets(concurrency);
let exitCode = 0;
try {
  if (replay) {
    const outcome = await runCase(targets, replay);
    console.log(describeCase(replay));
    console.log(`\nanswer: ${outcome.response.status} in ${Math.round(outcome.response.elapsedMs)} ms`);
    console.log(outcome.response.body.slice(0, 2_000));
    console.log(
      outcome.problems.length > 0 ? `\nviolations: ${outcome.problems.join('; ')}` : '\nno violation',
    );
    exitCode = outcome.problems.length > 0 ? 1 : 0;
  } else {
    console.log(`fuzz: ${count} cases, seed ${seed}, concurrency ${concurrency}`);
    const result = await runCampaign(targets, {
      count,
      seed,
      concurrency,
      onProgress: (done) => {
        if (done % 10_000 === 0) console.log(`  ${done} cases`);
      },
    });
    console.log(formatCounts(result));
    const health = [...(await healthProblems(targets.open)), ...(await healthProblems(targets.auth))];
    for (const problem of health) console.log(`process: ${problem}`);
    // The first case of each kind of problem, shown and then shrunk to a small request to replay.
    for (const failure of result.failures.slice(0, MAX_SHRUNK)) {
      console.log(`\ncase ${failure.index}: ${failure.problems.join('; ')}`);
      console.log(describeCase(failure.kase));
      const shrunk = await shrink(targets, seed, String(failure.index), SHRINK_TIME_LIMIT_MS);
      if (shrunk) {
        console.log(`shrunk to: ${shrunk.problems}\n${describeCase(shrunk.kase)}`);
        console.log(`replay: npm run fuzz -- --seed ${seed} --replay ${shrunk.path}`);
      } else {
        console.log(
          `passes when sent alone; replay: npm run fuzz -- --seed ${seed} --replay ${failure.index}`,
        );
      }
    }
    exitCode = result.failed > 0 || health.length > 0 ? 1 : 0;
  }
} finally {
  await targets.stop();
}
process.exit(exitCode);
