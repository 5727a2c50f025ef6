import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BeaconProcess, startBeacon } from '../helpers/beacon-process.js';

/**
 * Runs the official MCP conformance suite (every server scenario, 2025-era clients) against a
 * real Beacon process that carries the test-only fixtures. The suite needs Node 22, so npx fetches
 * it with its own node; the first run downloads both, hence the generous timeout.
 *
 * The suite itself judges the run against the expected-failures file: it exits 0 only if exactly
 * the listed scenarios fail. The assertions below repeat that judgement with a readable message.
 */
const SUITE_PACKAGE = '@modelcontextprotocol/conformance@0.1.16';
const SUITE_NODE = 'node@22';
const ENTRY = resolve(import.meta.dirname, '../fixtures/conformance-server.ts');
const EXPECTED_FAILURES = resolve(import.meta.dirname, '../fixtures/conformance-expected-failures.yml');
const RUN_TIMEOUT_MS = 5 * 60_000;

interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO';
  description: string;
  errorMessage?: string;
}

interface ScenarioResult {
  scenario: string;
  passed: number;
  failed: number;
  warnings: number;
  problems: Check[];
}

interface SuiteRun {
  code: number | null;
  output: string;
}

function runSuite(url: string, outputDir: string): Promise<SuiteRun> {
  const args = [
    '-y',
    '-p',
    SUITE_NODE,
    '-p',
    SUITE_PACKAGE,
    '--',
    'conformance',
    'server',
    '--url',
    url,
    '--suite',
    'all',
    '--expected-failures',
    EXPECTED_FAILURES,
    '--output-dir',
    outputDir,
  ];
  return new Promise((done, fail) => {
    const child = spawn('npx', args, { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), RUN_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

/** The suite writes `<dir>/server-<scenario>-<ISO time with : and . as ->/checks.json` per scenario. */
async function readResults(outputDir: string): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const entry of (await readdir(outputDir)).sort()) {
    const match = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/.exec(entry);
    if (!match?.[1]) continue;
    const checks = JSON.parse(await readFile(join(outputDir, entry, 'checks.json'), 'utf8')) as Check[];
    const problems = checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
    results.push({
      scenario: match[1],
      passed: checks.filter((c) => c.status === 'SUCCESS').length,
      failed: checks.filter((c) => c.status === 'FAILURE').length,
      warnings: checks.filter((c) => c.status === 'WARNING').length,
      problems,
    });
  }
  return results;
}

/** Scenario names from the `server:` list; everything after `#` is the reason. */
async function readExpectedFailures(): Promise<string[]> {
  const text = await readFile(EXPECTED_FAILURES, 'utf8');
  return [...text.matchAll(/^\s+-\s+([\w./-]+)/gm)].map((m) => m[1] ?? '');
}

function describeProblems(results: ScenarioResult[]): string {
  return results
    .flatMap((r) =>
      r.problems.map((c) => `  ${r.scenario} [${c.id}] ${c.status}: ${c.errorMessage ?? c.description}`),
    )
    .join('\n');
}

describe('MCP conformance suite (server scenarios)', { timeout: RUN_TIMEOUT_MS + 60_000 }, () => {
  let beacon: BeaconProcess;
  let outputDir: string;

  before(async () => {
    outputDir = await mkdtemp(join(tmpdir(), 'beacon-conformance-'));
    beacon = await startBeacon({
      entry: ENTRY,
      nodeArgs: ['--import', 'tsx'],
      args: [],
      // The suite cannot send an Authorization header: a no-auth instance on loopback only.
      env: { AUTH_MODE: 'none', HOST: '127.0.0.1' },
    });
  });

  after(async () => {
    await beacon?.stop();
    if (outputDir) await rm(outputDir, { recursive: true, force: true });
  });

  it('passes every scenario except the ones Beacon deliberately does not offer', async (t) => {
    const run = await runSuite(beacon.mcpUrl, outputDir);
    const results = await readResults(outputDir);
    const expected = await readExpectedFailures();

    const totals = { passed: 0, failed: 0, warnings: 0 };
    for (const r of results) {
      totals.passed += r.passed;
      totals.failed += r.failed;
      totals.warnings += r.warnings;
      const mark =
        r.problems.length === 0 ? 'pass' : expected.includes(r.scenario) ? 'expected fail' : 'FAIL';
      t.diagnostic(
        `${mark.padEnd(13)} ${r.scenario}: ${r.passed} passed, ${r.failed} failed, ${r.warnings} warnings`,
      );
    }
    const failingScenarios = results.filter((r) => r.problems.length > 0).map((r) => r.scenario);
    const expectedFailing = failingScenarios.filter((name) => expected.includes(name));
    t.diagnostic(
      `conformance ${SUITE_PACKAGE}: ${results.length} scenarios, ` +
        `${results.length - failingScenarios.length} passed, ${failingScenarios.length} failed ` +
        `(${expectedFailing.length} of them expected); checks: ${totals.passed} passed, ` +
        `${totals.failed} failed, ${totals.warnings} warnings`,
    );

    assert.ok(
      results.length > 0,
      `the suite produced no results (exit ${run.code}):\n${run.output.slice(-4000)}`,
    );
    const unexpected = results.filter((r) => r.problems.length > 0 && !expected.includes(r.scenario));
    assert.deepEqual(
      unexpected.map((r) => r.scenario),
      [],
      `scenarios failed that are not in the expected-failures file:\n${describeProblems(unexpected)}`,
    );
    const stale = expected.filter((name) => !failingScenarios.includes(name));
    assert.deepEqual(
      stale,
      [],
      'listed as expected failures but passed or did not run: remove them from the file',
    );
    assert.equal(run.code, 0, `the suite exited ${run.code}:\n${run.output.slice(-4000)}`);
  });
});
