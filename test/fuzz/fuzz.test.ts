import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCampaign, shrink } from './campaign.js';
import { describeCase, formatCounts } from './report.js';
import { type FuzzTargets, healthProblems, startTargets } from './targets.js';

const COUNT = 10_000;
const CONCURRENCY = 8;
/** Each run explores cases of its own; FUZZ_SEED runs one seed again, as `npm run fuzz -- --seed` does. */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);

describe('fuzzing every route with hostile requests', () => {
  let targets: FuzzTargets;
  before(async () => {
    targets = await startTargets(CONCURRENCY);
  });
  after(() => targets?.stop());

  it(`answers ${COUNT} of them within the rules, and both servers stay up`, async (t) => {
    const result = await runCampaign(targets, { count: COUNT, seed: SEED, concurrency: CONCURRENCY });
    t.diagnostic(`seed ${SEED}\n${formatCounts(result)}`);
    assert.deepEqual([...(await healthProblems(targets.open)), ...(await healthProblems(targets.auth))], []);
    const first = result.failures[0];
    if (!first) return;
    const shrunk = await shrink(targets, SEED, String(first.index), 30_000);
    const example = shrunk ?? {
      path: String(first.index),
      kase: first.kase,
      problems: first.problems.join('; '),
    };
    assert.fail(
      `${result.failed} of ${COUNT} cases broke the rules (seed ${SEED}); the first, shrunk: ${example.problems}\n` +
        `${describeCase(example.kase)}\nreplay: npm run fuzz -- --seed ${SEED} --replay ${example.path}`,
    );
  });
});
