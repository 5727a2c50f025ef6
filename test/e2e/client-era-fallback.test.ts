import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CliRun, runBeaconCli } from '../helpers/beacon-cli.js';
import { type BeaconProcess, startBeacon } from '../helpers/beacon-process.js';

type Line = Record<string, unknown> & { type: string; era?: string; ts: string };

function ndjson(run: CliRun): Line[] {
  return run.lines.map((line) => JSON.parse(line.text) as Line);
}

const ITEMS = ['alpha beta', '', 'gamma'];

function call(url: string, ...flags: string[]) {
  return runBeaconCli([
    'call',
    '--url',
    url,
    '--json',
    '--delay-ms',
    '150',
    ...flags,
    'process_items',
    ...ITEMS,
  ]);
}

/** The same stream of item reports, whichever way it travelled: a log line naming each item, then the result. */
function assertItemReports(lines: Line[]) {
  const logs = lines.filter((l) => l.type === 'log').map((l) => String(l.data));
  assert.match(logs.find((l) => l.startsWith('item 1/3')) ?? '', /^item 1\/3 "alpha beta": ok$/);
  assert.match(logs.find((l) => l.startsWith('item 2/3')) ?? '', /^item 2\/3 "": skipped/);
  assert.match(logs.find((l) => l.startsWith('item 3/3')) ?? '', /^item 3\/3 "gamma": ok$/);
  assert.ok(lines.some((l) => l.type === 'log' && l.level === 'warning' && /item 2\/3/.test(String(l.data))));
  const result = lines.at(-1);
  assert.equal(result?.type, 'result');
  assert.equal(result?.isError, false);
  assert.match(JSON.stringify(result?.content), /Processed 3 items: 2 ok, 1 skipped, 0 failed\./);
}

describe('beacon call: era fallback and the plain streaming endpoint', () => {
  let beacon: BeaconProcess;
  before(async () => {
    beacon = await startBeacon({ env: { LEGACY_SSE: 'true' } });
  });
  after(() => beacon.stop());

  it('--era auto against …/sse falls back to HTTP+SSE and says so', async () => {
    const run = await call(`${beacon.origin}/sse`);
    assert.equal(run.code, 0, run.stderr);
    const lines = ndjson(run);
    assert.ok(lines.every((l) => l.era === 'sse'));
    assertItemReports(lines);
    assert.match(run.stderr, /no Streamable HTTP at .*\/sse \(HTTP 405\); trying HTTP\+SSE/);
    await beacon.waitForLog((e) => e.msg === 'tool call ended' && e.era === '2024-11-05');
  });

  it('--era auto against …/mcp stays on Streamable HTTP (2026-07-28)', async () => {
    const run = await call(beacon.mcpUrl);
    assert.equal(run.code, 0, run.stderr);
    const lines = ndjson(run);
    assert.ok(lines.every((l) => l.era === 'modern'));
    assertItemReports(lines);
    assert.deepEqual(
      lines.filter((l) => l.type === 'progress').map((l) => l.progress),
      [1, 2, 3],
    );
    assert.doesNotMatch(run.stderr, /HTTP\+SSE/);
  });

  it('--era sse goes straight to HTTP+SSE and names it in the first human line', async () => {
    const run = await runBeaconCli([
      'call',
      '--url',
      `${beacon.origin}/sse`,
      '--era',
      'sse',
      'process_items',
      'a',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.lines[0]?.text ?? '', /^connected to http:\/\/127\.0\.0\.1:\d+\/sse · era sse \(/);
  });

  it('--classic prints each NDJSON line as it arrives, in the notification format', async () => {
    const run = await call(beacon.mcpUrl, '--classic');
    assert.equal(run.code, 0, run.stderr);
    const lines = ndjson(run);
    assert.ok(lines.every((l) => l.era === 'classic'));
    assertItemReports(lines);
    assert.deepEqual(
      lines.filter((l) => l.type === 'progress').map((l) => [l.progress, l.total]),
      [
        [1, 3],
        [2, 3],
        [3, 3],
      ],
    );
    assert.deepEqual(lines.at(-1)?.structuredContent, {
      type: 'summary',
      processed: 2,
      skipped: 1,
      failed: 0,
      total: 3,
      elapsedMs: (lines.at(-1)?.structuredContent as { elapsedMs?: number } | undefined)?.elapsedMs,
    });
    // Printed as they came, not all at the end: the items' lines are spread over their delays.
    const first = run.lines[0]?.at ?? 0;
    const last = run.lines.at(-1)?.at ?? 0;
    assert.ok(last - first >= 200, `all lines within ${Math.round(last - first)} ms`);
    await beacon.waitForLog((e) => e.msg === 'classic stream ended' && e.outcome === 'ok');
  });

  it('--classic reports the server refusing the input, naming the field (exit 1)', async () => {
    const run = await runBeaconCli([
      'call',
      '--url',
      beacon.mcpUrl,
      '--classic',
      '--delay-ms',
      '20000',
      'process_items',
      'a',
    ]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /refused the input \(HTTP 400\): delayMs must be an integer from 0 to 10000/);
  });

  it('Ctrl-C over HTTP+SSE cancels the call on the server', async () => {
    const items = Array.from({ length: 30 }, (_, i) => `item ${i}`);
    const run = await runBeaconCli(
      ['call', '--url', `${beacon.origin}/sse`, '--json', '--delay-ms', '100', 'process_items', ...items],
      {
        onLine: (line, kill) => {
          if (line.includes('"progress":2,')) kill('SIGINT');
        },
      },
    );
    assert.equal(run.code, 130, run.stderr);
    const ended = await beacon.waitForLog(
      (e) => e.msg === 'tool call ended' && e.era === '2024-11-05' && e.outcome === 'cancelled',
    );
    assert.ok(Number(ended.items_reported) < items.length / 2, `went on to ${ended.items_reported}`);
  });
});

describe('beacon call --era auto when the server has no HTTP+SSE', () => {
  let beacon: BeaconProcess;
  before(async () => {
    beacon = await startBeacon();
  });
  after(() => beacon.stop());

  it('tries the GET fallback once and fails with a connection error (exit 3)', async () => {
    const run = await call(`${beacon.origin}/sse`);
    assert.equal(run.code, 3);
    assert.match(run.stderr, /trying HTTP\+SSE/);
    assert.match(run.stderr, /^error: /m);
    assert.equal(run.stdout, '');
  });
});
