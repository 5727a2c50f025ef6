import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOptions, SCENARIOS } from '../../../bench/lib/options.js';

describe('bench options', () => {
  it('measures beacon-redis in the full run, and in quick or tiny runs only when --targets names it', () => {
    assert.ok(parseOptions([]).targets.includes('beacon-redis'));
    for (const mode of ['--quick', '--tiny']) {
      const opts = parseOptions([mode]);
      assert.deepEqual(opts.targets, ['beacon-prod', 'beacon-noauth', 'sdk-bare', 'fastmcp', 'raw-sse']);
      assert.equal(opts.targetsNamed, false);
      const named = parseOptions([mode, '--targets=beacon-prod,beacon-redis,sdk-bare']);
      assert.deepEqual(named.targets, ['beacon-prod', 'beacon-redis', 'sdk-bare']);
      assert.equal(named.targetsNamed, true);
    }
  });

  it('runs every scenario unless --scenarios picks some, in the run order whatever the order asked', () => {
    assert.deepEqual(parseOptions([]).scenarios, [...SCENARIOS]);
    assert.deepEqual(parseOptions(['--scenarios=fresh,steady']).scenarios, ['steady', 'fresh']);
  });

  it('runs the replicas scenario in the full run, and in quick or tiny runs only when named', () => {
    assert.ok(parseOptions([]).scenarios.includes('replicas'));
    for (const mode of ['--quick', '--tiny']) {
      assert.deepEqual(parseOptions([mode]).scenarios, ['startup', 'steady', 'latency', 'fresh']);
      assert.deepEqual(parseOptions([mode, '--scenarios=replicas']).scenarios, ['replicas']);
    }
  });

  it('refuses an unknown scenario or target by name, and a target list without the reference', () => {
    assert.throws(() => parseOptions(['--scenarios=steady,soak']), /unknown scenario soak; known: startup/);
    assert.throws(() => parseOptions(['--targets=beacon-redis,redis']), /unknown target redis/);
    assert.throws(() => parseOptions(['--targets=beacon-redis']), /must include sdk-bare/);
  });
});
