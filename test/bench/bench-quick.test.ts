import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');
const TARGETS = ['beacon-prod', 'beacon-noauth', 'sdk-bare', 'fastmcp', 'raw-sse'];

interface Figure {
  id: string;
  values: Record<string, { median: number } | undefined>;
  ratios: Record<string, number | null>;
}

// Plumbing only: every target produced figures and every ratio was computed. No timing
// assertions: the machine is shared, and performance bounds are the bench's own business.
describe('npm run bench:quick (tiny sizes)', () => {
  it('measures every target in every scenario and computes ratios to the bare SDK', {
    timeout: 600_000,
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
    const out = join(dir, 'result.json');
    try {
      const run = spawnSync('npm', ['run', 'bench:quick', '--', '--tiny', `--out=${out}`], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 590_000,
      });
      assert.equal(run.status, 0, `bench failed:\n${run.stderr.slice(-3000)}`);
      const result = JSON.parse(readFileSync(out, 'utf8')) as {
        targets: string[];
        figures: Figure[];
        table: string;
      };
      assert.deepEqual(result.targets, TARGETS);
      const ids = result.figures.map((f) => f.id);
      for (const id of [
        'startup',
        'throughput',
        'throughput-legacy',
        'throughput-sdk-client',
        'throughput-legacy-sdk-client',
        'idle-rss',
        'calls-modern-c16',
        'calls-legacy-c64',
        'latency-p99',
        'streams-errors',
        'streams-rss',
        'idle-session-kb',
      ]) {
        assert.ok(ids.includes(id), `figure ${id} missing`);
      }
      const notApplicable = (figure: Figure, target: string) =>
        (target === 'fastmcp' && figure.id.includes('-modern-')) ||
        (target === 'raw-sse' && (figure.id === 'idle-session-kb' || figure.id.endsWith('-sdk-client')));
      for (const figure of result.figures) {
        for (const target of TARGETS) {
          if (notApplicable(figure, target)) continue;
          assert.ok(Number.isFinite(figure.values[target]?.median), `${figure.id}: no figure for ${target}`);
          if (figure.id !== 'streams-errors') {
            assert.ok(Number.isFinite(figure.ratios[target]), `${figure.id}: no ratio for ${target}`);
          }
        }
      }
      assert.match(result.table, /\| beacon-prod \| beacon-noauth \| sdk-bare \| fastmcp \| raw-sse \|/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
