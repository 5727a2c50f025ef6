import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import type { ReplicasReport } from '../../bench/scenarios/replicas.js';

const ROOT = resolve(import.meta.dirname, '../..');
const LOADS = ['calls-modern', 'calls-legacy', 'stream-modern', 'stream-legacy'];

/**
 * Orphans called `name` that run in this checkout: what a bench that exits without stopping its
 * stacks leaves behind (their parent gone, adopted by pid 1; their cwd the bench's).
 */
function orphans(name: string): Set<number> {
  const found = new Set<number>();
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const [, comm, rest = ''] =
        /^\d+ \((.*)\) (.*)$/s.exec(readFileSync(`/proc/${pid}/stat`, 'utf8')) ?? [];
      const ppid = Number(rest.split(' ')[1]);
      if (comm === name && ppid === 1 && realpathSync(`/proc/${pid}/cwd`) === realpathSync(ROOT))
        found.add(Number(pid));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

// Plumbing only, at tiny sizes: every topology measured under every load, its CPU and Redis's
// commands read, Caddy spreading calls over the replicas. No timing bounds: the machine is shared.
describe('bench --scenarios=replicas (tiny sizes)', () => {
  it('measures 1 replica in memory, 1 with Redis and 3 sharing Redis, all behind Caddy, and stops them', {
    timeout: 300_000,
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-replicas-'));
    const out = join(dir, 'result.json');
    const tools = ['caddy', 'redis-server'];
    const before = tools.map(orphans);
    try {
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'bench/run.ts', '--tiny', '--scenarios=replicas', `--out=${out}`],
        { cwd: ROOT, encoding: 'utf8', timeout: 290_000 },
      );
      for (const [i, name] of tools.entries()) {
        const left = [...orphans(name)].filter((pid) => !before[i]?.has(pid));
        assert.deepEqual(left, [], `${name} left running after the bench`);
      }
      assert.equal(run.status, 0, `bench failed:\n${run.stderr.slice(-3000)}`);
      assert.match(run.stdout, /\| figure \| unit \| 1-memory \| 1-redis \| 3-redis \|/);
      const { replicas } = JSON.parse(readFileSync(out, 'utf8')) as { replicas: ReplicasReport };
      assert.deepEqual(replicas.topologies, ['1-memory', '1-redis', '3-redis']);
      const median = (id: string, topology: ReplicasReport['topologies'][number]) =>
        replicas.figures.find((f) => f.id === id)?.values[topology]?.median;
      for (const load of LOADS) {
        for (const topology of replicas.topologies) {
          assert.ok((median(load, topology) ?? 0) > 0, `${load} ${topology}: no rate`);
          assert.ok((median(`${load}-cpu`, topology) ?? 0) > 0, `${load} ${topology}: no CPU`);
        }
        assert.equal(median(`${load}-redis-commands`, '1-memory'), undefined, `${load}: Redis without Redis`);
      }
      for (const topology of ['1-redis', '3-redis'] as const)
        assert.ok(
          (median('calls-legacy-redis-commands', topology) ?? 0) > 0,
          `${topology}: no Redis commands`,
        );
      assert.equal(median('calls-modern-busiest', '1-memory'), 100);
      const spread = median('calls-modern-busiest', '3-redis') ?? 100;
      assert.ok(spread < 100, `3 replicas: the busiest did ${spread}% of the work`);
      assert.deepEqual(
        replicas.comparisons.map((c) => c.load),
        LOADS,
      );
      for (const c of replicas.comparisons)
        assert.ok(Number.isFinite(c.redisOverMemory), `${c.load}: no ratio`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
