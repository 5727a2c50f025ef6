import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');

interface SoakRecord {
  rows: { elapsedS: number; calls: number; cancelled: number; resumed: number; sessions: number }[];
  errors: { [kind: string]: number };
  messages: string[];
  settled: { sessionsOpen: number; streamsOpen: number };
  verdict: {
    warmUpS: number;
    baseline?: { fromS: number; toS: number };
    end?: { fromS: number; toS: number };
  };
}

// Plumbing: 15 s of every kind of load, no error, everything closed afterwards. The memory half
// of the verdict is not asserted: 15 s is still warm-up for V8, and the exit code carries it.
describe('bench/soak.ts for 15 s', () => {
  it('runs every lane without an error, leaves nothing open and writes its table', {
    timeout: 120_000,
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'soak-test-'));
    const out = join(dir, 'soak.json');
    try {
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'bench/soak.ts', '--seconds', '15', '--interval', '5', '--out', out],
        { cwd: ROOT, encoding: 'utf8', timeout: 110_000 },
      );
      assert.ok(
        run.status === 0 || run.status === 1,
        `soak crashed (${run.status}):\n${run.stderr.slice(-3000)}`,
      );
      assert.match(run.stdout, /^Verdict: (PASS|FAIL);/m);
      const record = JSON.parse(readFileSync(out, 'utf8')) as SoakRecord;
      assert.deepEqual(
        record.rows.map((r) => r.elapsedS),
        [5, 10, 15],
      );
      assert.deepEqual(Object.values(record.errors), [0, 0, 0, 0, 0, 0], record.messages.join('\n'));
      const last = record.rows.at(-1);
      assert.ok(last && last.calls > 0 && last.cancelled > 0 && last.resumed > 0 && last.sessions > 0);
      assert.deepEqual(record.settled.sessionsOpen, 0);
      assert.deepEqual(record.settled.streamsOpen, 0);
      assert.equal(record.verdict.warmUpS, 3);
      assert.deepEqual(
        record.verdict.baseline && [record.verdict.baseline.fromS, record.verdict.baseline.toS],
        [5, 10],
      );
      assert.deepEqual(record.verdict.end && [record.verdict.end.fromS, record.verdict.end.toS], [10, 15]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
