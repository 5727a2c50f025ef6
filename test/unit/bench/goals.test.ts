import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FigureBook } from '../../../bench/lib/figures.js';
import { evaluateGoals, goalLines } from '../../../bench/lib/goals.js';
import { REFERENCE, type TargetName } from '../../../bench/lib/targets.js';

const ALL: TargetName[] = ['beacon-prod', 'beacon-redis', 'sdk-bare'];

/** One round per target and figure: the median is that value. */
function figures(values: Record<string, Partial<Record<TargetName, number>>>) {
  const book = new FigureBook(REFERENCE);
  for (const [id, byTarget] of Object.entries(values)) {
    for (const [target, value] of Object.entries(byTarget)) {
      book.add({ id, label: id, unit: 'x', better: 'higher' }, target as TargetName, value);
    }
  }
  return book.figures(ALL);
}

const verdict = (goals: ReturnType<typeof evaluateGoals>, goal: string) => {
  const found = goals.find((g) => g.goal === goal);
  assert.ok(found, `no goal "${goal}" in ${goals.map((g) => g.goal).join('; ')}`);
  return found;
};

describe('bench goals for beacon-redis', () => {
  it('divides beacon-redis by beacon-prod from the same run, against each bound', () => {
    const goals = evaluateGoals(
      figures({
        'calls-modern-c16': { 'beacon-prod': 1000, 'beacon-redis': 960, 'sdk-bare': 1000 },
        throughput: { 'beacon-prod': 40_000, 'beacon-redis': 36_000, 'sdk-bare': 40_000 },
        'throughput-legacy': { 'beacon-prod': 30_000, 'beacon-redis': 21_000, 'sdk-bare': 30_000 },
      }),
      ALL,
    );
    assert.deepEqual(verdict(goals, 'beacon-redis modern calls/s c=16 ≥ 0.95× beacon-prod'), {
      goal: 'beacon-redis modern calls/s c=16 ≥ 0.95× beacon-prod',
      measured: 0.96,
      met: true,
    });
    const modern = verdict(goals, 'beacon-redis modern notifications/s ≥ 0.95× beacon-prod');
    assert.equal(modern.met, false);
    assert.equal(modern.measured, 0.9);
    assert.equal(verdict(goals, 'beacon-redis legacy notifications/s ≥ 0.7× beacon-prod').met, true);
  });

  it('reports 2025-era calls/s against beacon-prod and sdk-bare as information, with no verdict', () => {
    const goals = evaluateGoals(
      figures({ 'calls-legacy-c64': { 'beacon-prod': 2000, 'beacon-redis': 1000, 'sdk-bare': 4000 } }),
      ALL,
    );
    assert.deepEqual(verdict(goals, 'beacon-redis legacy calls/s c=64 vs beacon-prod'), {
      goal: 'beacon-redis legacy calls/s c=64 vs beacon-prod',
      measured: 0.5,
      met: null,
      info: true,
    });
    assert.equal(verdict(goals, 'beacon-redis legacy calls/s c=64 vs sdk-bare').measured, 0.25);
    assert.ok(goalLines(goals).includes('- beacon-redis legacy calls/s c=64 vs sdk-bare: 0.25 (info)'));
  });

  it('keeps beacon-prod as the subject of the other goals', () => {
    const goals = evaluateGoals(
      figures({ throughput: { 'beacon-prod': 38_000, 'beacon-redis': 10, 'sdk-bare': 40_000 } }),
      ALL,
    );
    assert.equal(verdict(goals, 'throughput ≥ 1.0× sdk-bare').measured, 0.95);
  });

  it('leaves out the goals of a target the run did not include, and marks missing figures', () => {
    const goals = evaluateGoals(figures({ throughput: { 'beacon-prod': 1, 'sdk-bare': 1 } }), [
      'beacon-prod',
      'sdk-bare',
    ]);
    assert.equal(
      goals.some((g) => g.goal.startsWith('beacon-redis')),
      false,
    );
    assert.deepEqual(verdict(goals, 'modern calls/s c=1 ≥ 0.9× sdk-bare'), {
      goal: 'modern calls/s c=1 ≥ 0.9× sdk-bare',
      measured: null,
      met: null,
    });
  });
});
