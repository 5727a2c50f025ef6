import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { median, percentile, ratio, summarise } from '../../../bench/lib/stats.js';

describe('bench percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('returns an observed sample: p50 of 1..100 is 50, p99 is 99, p100 is the maximum', () => {
    assert.equal(percentile(hundred, 50), 50);
    assert.equal(percentile(hundred, 99), 99);
    assert.equal(percentile(hundred, 100), 100);
  });

  it('does not depend on input order and does not reorder the input', () => {
    const shuffled = [5, 1, 4, 2, 3];
    assert.equal(percentile(shuffled, 60), 3);
    assert.deepEqual(shuffled, [5, 1, 4, 2, 3]);
  });

  it('p0 and a single sample give the smallest value', () => {
    assert.equal(percentile([7, 3, 9], 0), 3);
    assert.equal(percentile([42], 99), 42);
  });

  it('p99 of 10 samples is the slowest one (rank rounds up)', () => {
    assert.equal(percentile([1, 1, 1, 1, 1, 1, 1, 1, 1, 250], 99), 250);
  });

  it('refuses no samples and a percentile outside 0..100', () => {
    assert.throws(() => percentile([], 50), /no samples/);
    assert.throws(() => percentile([1], 101), /within 0\.\.100/);
    assert.throws(() => percentile([1], Number.NaN), /within 0\.\.100/);
  });
});

describe('bench median and round summary', () => {
  it('median of odd and even counts', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.throws(() => median([]), /no samples/);
  });

  it('summarises rounds with min, max and spread relative to the median', () => {
    const s = summarise([90, 100, 110]);
    assert.equal(s.median, 100);
    assert.equal(s.min, 90);
    assert.equal(s.max, 110);
    assert.equal(s.spreadPct, 20);
    assert.deepEqual(s.rounds, [90, 100, 110]);
  });

  it('a zero median has zero spread rather than a division by zero', () => {
    assert.equal(summarise([0, 0, 0]).spreadPct, 0);
  });

  it('ratio is null when either side is missing or the reference is zero', () => {
    assert.equal(ratio(150, 100), 1.5);
    assert.equal(ratio(undefined, 100), null);
    assert.equal(ratio(5, undefined), null);
    assert.equal(ratio(5, 0), null);
  });
});
