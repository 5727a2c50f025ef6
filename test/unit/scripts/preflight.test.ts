import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findOnPath, missingTools, SYSTEM_TOOLS } from '../../../scripts/preflight.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const UNIQUE_TOOLS = [...new Set(SYSTEM_TOOLS.map((t) => t.tool))];

/** Runs a script of this repository with node (absolute path: PATH holds only what the test puts there). */
function runScript(script: string, args: string[], pathList: string) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, script), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: pathList, HOME: process.env.HOME ?? '/tmp' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? testFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('npm test preflight', () => {
  let empty: string;
  let fakes: string;
  before(() => {
    empty = mkdtempSync(join(tmpdir(), 'beacon-preflight-empty-'));
    fakes = mkdtempSync(join(tmpdir(), 'beacon-preflight-fakes-'));
    for (const tool of UNIQUE_TOOLS) writeFileSync(join(fakes, tool), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  });
  after(() => {
    rmSync(empty, { recursive: true, force: true });
    rmSync(fakes, { recursive: true, force: true });
  });

  it('stops run-tests before any test, one line per missing tool with its tests and install command', () => {
    const run = runScript('scripts/run-tests.mjs', ['test/e2e/deploy-configs.test.ts'], empty);
    assert.equal(run.code, 1, run.stderr);
    assert.deepEqual(run.stderr.trim().split('\n'), [
      "preflight: 'caddy' is not on PATH; needed by test/e2e/deploy-configs.test.ts; install: apt-get install -y caddy",
      "preflight: 'promtool' is not on PATH; needed by test/e2e/deploy-configs.test.ts; install: apt-get install -y prometheus",
      "preflight: 'docker-compose' is not on PATH; needed by test/e2e/deploy-configs.test.ts; install: apt-get install -y docker-compose",
      'preflight: 3 system tool(s) missing; deploy/ci-setup.sh installs them all (as root, on Debian)',
    ]);
    assert.doesNotMatch(run.stdout, /ℹ tests/, 'the test runner never started');
  });

  it('with no files checks every tool, naming all the tests that need it', () => {
    const run = runScript('scripts/preflight.ts', [], empty);
    assert.equal(run.code, 1);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, SYSTEM_TOOLS.length + 1);
    assert.ok(
      lines.includes(
        "preflight: 'promtool' is not on PATH; needed by test/e2e/deploy-configs.test.ts, test/e2e/metrics.test.ts, test/e2e/prometheus.test.ts; install: apt-get install -y prometheus",
      ),
      run.stderr,
    );
  });

  it('passes silently when every tool is an executable on PATH', () => {
    const run = runScript('scripts/preflight.ts', [], `${empty}${delimiter}${fakes}`);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
  });

  it('asks only for the tools of the files being run, and not for a file that is not executable', () => {
    assert.deepEqual(missingTools(['test/unit/config.test.ts'], empty), []);
    assert.deepEqual(
      missingTools([join(ROOT, 'test/unit/client/tls-fetch.test.ts')], empty).map((t) => t.tool),
      ['openssl'],
    );
    const plain = mkdtempSync(join(tmpdir(), 'beacon-preflight-plain-'));
    try {
      writeFileSync(join(plain, 'openssl'), '');
      chmodSync(join(plain, 'openssl'), 0o644);
      assert.equal(findOnPath('openssl', plain), undefined);
      assert.equal(findOnPath('openssl', `${plain}${delimiter}${fakes}`), join(fakes, 'openssl'));
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });
});

describe('the preflight tool list', () => {
  it('names test files that exist and mention the tool', () => {
    for (const { tool, neededBy } of SYSTEM_TOOLS) {
      for (const file of neededBy) {
        assert.ok(readFileSync(join(ROOT, file), 'utf8').includes(`'${tool}'`), `${file} runs ${tool}`);
      }
    }
  });

  it('lists every tool a test spawns or requires by name', () => {
    const fromNode = new Set(['node', 'npm', 'npx']);
    for (const path of testFiles(join(ROOT, 'test'))) {
      const file = relative(ROOT, path).split('\\').join('/');
      const source = readFileSync(path, 'utf8');
      for (const [, tool] of source.matchAll(
        /\b(?:spawn|spawnSync|execFile|execFileSync|requireBinary)\(\s*'([\w.-]+)'/g,
      )) {
        if (!tool || fromNode.has(tool)) continue;
        const entry = SYSTEM_TOOLS.find((t) => t.tool === tool);
        assert.ok(
          entry?.neededBy.includes(file),
          `${file} runs '${tool}': add it to SYSTEM_TOOLS in scripts/preflight.ts`,
        );
      }
    }
  });

  it('agrees with deploy/ci-setup.sh: every package it names is installed there', () => {
    const script = readFileSync(join(ROOT, 'deploy/ci-setup.sh'), 'utf8');
    const installs = [...script.matchAll(/apt-get install ((?:[^\n]*\\\n)*[^\n]*)/g)].map((m) => m[1]);
    const packages = installs
      .join(' ')
      .replaceAll('\\\n', ' ')
      .split(/\s+/)
      .filter((word) => word && !word.startsWith('-'));
    for (const { debianPackage } of SYSTEM_TOOLS) {
      assert.ok(packages.includes(debianPackage), `deploy/ci-setup.sh installs ${debianPackage}`);
    }
  });
});
