import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judge, type MemoryRow, warmUpSeconds } from '../../../../bench/soak/verdict.js';

const MB = 2 ** 20;

/** Rows every `every` s up to `durationS`, memory from `at(elapsed)` in MB. */
function rows(durationS: number, every: number, at: (s: number) => [number, number]): MemoryRow[] {
  return Array.from({ length: durationS / every }, (_, i) => {
    const elapsedS = (i + 1) * every;
    const [rss, heap] = at(elapsedS);
    return { elapsedS, rssBytes: rss * MB, heapUsedBytes: heap * MB };
  });
}

describe('soak warm-up', () => {
  it('is a fifth of the run, at most 2 minutes', () => {
    assert.equal(warmUpSeconds(600), 120);
    assert.equal(warmUpSeconds(3600), 120);
    assert.equal(warmUpSeconds(20), 4);
  });
});

describe('soak verdict', () => {
  it('passes a 10-minute run with flat memory and no error, comparing minute 2 with the end', () => {
    const verdict = judge(
      rows(600, 30, (s) => (s < 120 ? [80, 30] : [120 + s / 100, 40])),
      600,
      0,
    );
    assert.equal(verdict.pass, true, verdict.reasons.join('; '));
    assert.equal(verdict.baseline?.elapsedS, 120);
    assert.equal(verdict.end?.elapsedS, 600);
    assert.ok(Math.abs(verdict.rssGrowthPct - (4.8 / 121.2) * 100) < 1e-9);
    assert.equal(verdict.heapGrowthPct, 0);
    assert.deepEqual(verdict.reasons, []);
  });

  it('ignores growth during the warm-up, however large', () => {
    const verdict = judge(
      rows(600, 30, (s) => (s < 120 ? [s / 10, s / 10] : [100, 50])),
      600,
      0,
    );
    assert.equal(verdict.pass, true);
  });

  it('fails when RSS grows by 10% or more after the warm-up', () => {
    const verdict = judge(
      rows(600, 30, (s) => [s >= 600 ? 110 : 100, 40]),
      600,
      0,
    );
    assert.equal(verdict.pass, false);
    assert.equal(verdict.reasons.length, 1);
    assert.match(verdict.reasons[0] ?? '', /^RSS grew 10\.0% from 120 s to 600 s \(limit 10%\)$/);
  });

  it('fails when heap used grows by 10% or more, and names both when both grow', () => {
    const heapOnly = judge(
      rows(600, 30, (s) => [100, s >= 600 ? 45 : 40]),
      600,
      0,
    );
    assert.equal(heapOnly.pass, false);
    assert.match(heapOnly.reasons[0] ?? '', /^heap used grew 12\.5%/);
    const both = judge(
      rows(600, 30, (s) => (s >= 600 ? [150, 80] : [100, 40])),
      600,
      0,
    );
    assert.deepEqual(
      both.reasons.map((r) => r.split(' grew')[0]),
      ['RSS', 'heap used'],
    );
  });

  it('passes when memory shrinks', () => {
    const verdict = judge(
      rows(600, 30, (s) => (s >= 600 ? [90, 30] : [100, 40])),
      600,
      0,
    );
    assert.equal(verdict.pass, true);
    assert.ok(verdict.rssGrowthPct < 0);
  });

  it('fails on any error even with flat memory', () => {
    const verdict = judge(
      rows(600, 30, () => [100, 40]),
      600,
      1,
    );
    assert.equal(verdict.pass, false);
    assert.deepEqual(verdict.reasons, ['1 error']);
  });

  it('judges a short run from the first row after its proportionate warm-up', () => {
    const verdict = judge(
      rows(20, 5, () => [100, 40]),
      20,
      0,
    );
    assert.equal(verdict.warmUpS, 4);
    assert.equal(verdict.baseline?.elapsedS, 5);
    assert.equal(verdict.end?.elapsedS, 20);
    assert.equal(verdict.pass, true);
  });

  it('fails when there are not two rows after the warm-up to compare', () => {
    const one = judge(
      rows(30, 30, () => [100, 40]),
      30,
      0,
    );
    assert.equal(one.pass, false);
    assert.match(one.reasons[0] ?? '', /too short to judge memory/);
    assert.ok(Number.isNaN(one.rssGrowthPct));
    assert.equal(judge([], 600, 0).pass, false);
  });

  it('fails when a memory reading is missing (0 at the baseline)', () => {
    const verdict = judge(
      rows(600, 30, () => [100, 0]),
      600,
      0,
    );
    assert.equal(verdict.pass, false);
    assert.match(verdict.reasons[0] ?? '', /^heap used grew NaN%/);
  });
});
