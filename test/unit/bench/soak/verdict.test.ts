import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judge, type MemoryRow, spanSeconds, warmUpSeconds } from '../../../../bench/soak/verdict.js';

const MB = 2 ** 20;

/** Rows every `every` s up to `durationS`; `at(elapsed)` gives the row's [RSS, heap used] floors in MB. */
function rows(durationS: number, every: number, at: (s: number) => [number, number]): MemoryRow[] {
  return Array.from({ length: durationS / every }, (_, i) => {
    const elapsedS = (i + 1) * every;
    const [rss, heap] = at(elapsedS);
    return { fromS: elapsedS - every, elapsedS, rssBytes: rss * MB, heapUsedBytes: heap * MB };
  });
}

describe('soak warm-up and compared span', () => {
  it('warms up for a fifth of the run, at most 2 minutes', () => {
    assert.equal(warmUpSeconds(600), 120);
    assert.equal(warmUpSeconds(3600), 120);
    assert.equal(warmUpSeconds(20), 4);
  });

  it('compares a span as long as the warm-up at each end, at least one row', () => {
    assert.equal(spanSeconds(600, 30), 120);
    assert.equal(spanSeconds(3600, 30), 120);
    assert.equal(spanSeconds(20, 5), 5);
  });
});

describe('soak verdict', () => {
  it('passes a 10-minute run with flat memory and no error, comparing minutes 2–4 with 8–10', () => {
    const verdict = judge(
      rows(600, 30, (s) => (s <= 120 ? [80, 30] : [120 + s / 100, 40])),
      600,
      30,
      0,
    );
    assert.equal(verdict.pass, true, verdict.reasons.join('; '));
    assert.deepEqual(verdict.baseline, {
      fromS: 120,
      toS: 240,
      rssBytes: 121.5 * MB,
      heapUsedBytes: 40 * MB,
    });
    assert.deepEqual(verdict.end, { fromS: 480, toS: 600, rssBytes: 125.1 * MB, heapUsedBytes: 40 * MB });
    assert.ok(Math.abs(verdict.rssGrowthPct - (3.6 / 121.5) * 100) < 1e-9);
    assert.equal(verdict.heapGrowthPct, 0);
    assert.deepEqual(verdict.reasons, []);
  });

  it('takes the floor of each window, so a late garbage collection is not growth', () => {
    // The first 10-minute run's heap floors (MB): a saw-tooth, major collections 1–2 minutes apart.
    const heap = [
      32.0, 30.6, 32.5, 32.9, 39.4, 34.8, 38.0, 32.1, 37.4, 39.0, 38.2, 33.0, 36.3, 32.8, 43.2, 41.2, 39.2,
      32.2, 40.9, 42.4,
    ];
    const verdict = judge(
      rows(600, 30, (s) => [217, heap[s / 30 - 1] ?? 0]),
      600,
      30,
      0,
    );
    assert.equal(verdict.pass, true, verdict.reasons.join('; '));
    assert.equal(verdict.baseline?.heapUsedBytes, 32.1 * MB);
    assert.equal(verdict.end?.heapUsedBytes, 32.2 * MB);
  });

  it('ignores growth during the warm-up, however large', () => {
    const verdict = judge(
      rows(600, 30, (s) => (s <= 120 ? [s / 10, s / 10] : [100, 50])),
      600,
      30,
      0,
    );
    assert.equal(verdict.pass, true);
  });

  it('fails when the RSS floor grows by 10% or more after the warm-up', () => {
    const verdict = judge(
      rows(600, 30, (s) => [s > 480 ? 110 : 100, 40]),
      600,
      30,
      0,
    );
    assert.equal(verdict.pass, false);
    assert.deepEqual(verdict.reasons, ['RSS grew 10.0% from 120–240 s to 480–600 s (limit 10%)']);
  });

  it('fails when the heap floor grows by 10% or more, and names both when both grow', () => {
    const heapOnly = judge(
      rows(600, 30, (s) => [100, 40 + s / 60]),
      600,
      30,
      0,
    );
    assert.equal(heapOnly.pass, false);
    assert.match(heapOnly.reasons[0] ?? '', /^heap used grew 14\.1%/);
    const both = judge(
      rows(600, 30, (s) => (s > 480 ? [150, 80] : [100, 40])),
      600,
      30,
      0,
    );
    assert.deepEqual(
      both.reasons.map((r) => r.split(' grew')[0]),
      ['RSS', 'heap used'],
    );
  });

  it('passes when memory shrinks', () => {
    const verdict = judge(
      rows(600, 30, (s) => (s > 480 ? [90, 30] : [100, 40])),
      600,
      30,
      0,
    );
    assert.equal(verdict.pass, true);
    assert.ok(verdict.rssGrowthPct < 0);
  });

  it('fails on any error even with flat memory', () => {
    const verdict = judge(
      rows(600, 30, () => [100, 40]),
      600,
      30,
      1,
    );
    assert.equal(verdict.pass, false);
    assert.deepEqual(verdict.reasons, ['1 error']);
  });

  it('judges a 20 s run from the first row wholly after its 4 s warm-up to the last', () => {
    const verdict = judge(
      rows(20, 5, () => [100, 40]),
      20,
      5,
      0,
    );
    assert.equal(verdict.warmUpS, 4);
    assert.deepEqual([verdict.baseline?.fromS, verdict.baseline?.toS], [5, 10]);
    assert.deepEqual([verdict.end?.fromS, verdict.end?.toS], [15, 20]);
    assert.equal(verdict.pass, true);
  });

  it('fails when the run leaves no two separate rows after the warm-up', () => {
    for (const [duration, every] of [
      [30, 30],
      [40, 20],
    ] as const) {
      const verdict = judge(
        rows(duration, every, () => [100, 40]),
        duration,
        every,
        0,
      );
      assert.equal(verdict.pass, false, `${duration} s by ${every} s`);
      assert.match(verdict.reasons[0] ?? '', /too short to judge memory/);
      assert.ok(Number.isNaN(verdict.rssGrowthPct));
    }
    assert.equal(judge([], 600, 30, 0).pass, false);
  });

  it('fails when a memory reading is missing (0 at the baseline)', () => {
    const verdict = judge(
      rows(600, 30, () => [100, 0]),
      600,
      30,
      0,
    );
    assert.equal(verdict.pass, false);
    assert.match(verdict.reasons[0] ?? '', /^heap used grew NaN%/);
  });
});
