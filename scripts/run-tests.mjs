#!/usr/bin/env node
// Runs every *.test.ts under the given folders (default: test/) with node's own test runner.
// Node 20's runner does not expand globs or pick up .ts files by itself, hence this small walker.
// First, scripts/preflight.ts checks that the system tools those files run are on PATH.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const passthrough = process.argv.slice(2).filter((a) => a.startsWith('--'));

function collect(path) {
  if (statSync(path).isFile()) return path.endsWith('.test.ts') ? [path] : [];
  return readdirSync(path)
    .sort()
    .flatMap((entry) => collect(join(path, entry)));
}

const files = (roots.length > 0 ? roots : ['test']).flatMap(collect);
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Stops here, one line per missing system tool, rather than with a spawn error deep in a test.
const preflight = spawnSync(
  process.execPath,
  ['--import', 'tsx', join(import.meta.dirname, 'preflight.ts'), ...files],
  {
    stdio: 'inherit',
  },
);
if (preflight.status !== 0) process.exit(preflight.status ?? 1);
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...passthrough, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
