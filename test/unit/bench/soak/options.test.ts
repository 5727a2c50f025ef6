import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSoakOptions } from '../../../../bench/soak/options.js';

describe('soak options', () => {
  it('defaults to the 10-minute run with a row every 30 s', () => {
    assert.deepEqual(parseSoakOptions([]), { durationS: 600, intervalS: 30, out: undefined });
  });

  it('reads --minutes, --seconds, --interval and --out, with or without =', () => {
    assert.equal(parseSoakOptions(['--minutes', '10']).durationS, 600);
    assert.equal(parseSoakOptions(['--minutes=0.5']).durationS, 30);
    assert.deepEqual(parseSoakOptions(['--seconds', '20', '--interval=5', '--out', 'soak.json']), {
      durationS: 20,
      intervalS: 5,
      out: 'soak.json',
    });
  });

  it('refuses a duration or interval that is not a positive number, naming the flag', () => {
    for (const bad of [
      ['--minutes', '0'],
      ['--minutes', '-1'],
      ['--seconds=ten'],
      ['--interval'],
      ['--minutes'],
    ]) {
      assert.throws(
        () => parseSoakOptions(bad),
        new RegExp(`^Error: ${bad[0]?.split('=')[0]} needs a positive number`),
      );
    }
  });

  it('refuses an unknown argument and an interval longer than the run', () => {
    assert.throws(() => parseSoakOptions(['--hours', '1']), /unknown argument --hours/);
    assert.throws(
      () => parseSoakOptions(['--seconds', '20']),
      /--interval \(30 s\) is longer than the run \(20 s\)/,
    );
  });
});
