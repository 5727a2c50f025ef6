import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CliRun, runBeaconCli } from '../helpers/beacon-cli.js';
import { type BeaconProcess, startBeacon } from '../helpers/beacon-process.js';

const ESC = '\x1b[';

interface RunOptions {
  /** Items (or anything with spaces, or empty) appended after the words. */
  extra?: string[];
  stdin?: string;
  /** Called with each stdout line as it arrives, and a way to signal the process. */
  onLine?: (line: string, kill: (signal: NodeJS.Signals) => void) => void;
}

/**
 * Runs `node dist/cli.js call --url URL <words...> <extra...>` as a real process. stdout and stderr
 * are pipes, so the CLI sees no terminal: no progress bar, no colour.
 */
function runCli(url: string, words: string, options: RunOptions = {}): Promise<CliRun> {
  const args = ['call', '--url', url, ...words.split(' ').filter(Boolean), ...(options.extra ?? [])];
  return runBeaconCli(args, { stdin: options.stdin, onLine: options.onLine });
}

type Line = Record<string, unknown> & { type: string };

function ndjson(stdout: string): Line[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Line);
}

const ofType = (lines: Line[], type: string) => lines.filter((line) => line.type === type);

/** The totals of a process_items result line, without the per-item details. */
function counts(result: Line | undefined): Record<string, unknown> {
  const { processed, skipped, failed } = (result?.structuredContent ?? {}) as Record<string, unknown>;
  return { processed, skipped, failed };
}

function assertOneErrorLine(run: CliRun, pattern: RegExp): void {
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one stderr line, got:\n${run.stderr}`);
  assert.match(lines[0] ?? '', pattern);
  assert.ok(!/\n\s+at /.test(run.stderr), 'no stack trace');
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  const url = await listen(server);
  server.close();
  await once(server, 'close');
  return url;
}

/** Polls the server's log for a matching line written after `since` (an index into `beacon.lines`). */
async function waitForNewLog(
  beacon: BeaconProcess,
  since: number,
  match: (entry: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    for (const line of beacon.lines.slice(since)) {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (match(entry)) return entry;
      } catch {}
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error('expected log line not seen');
}

const WIRE_VERSION = { modern: '2026-07-28', legacy: '2025-11-25' } as const;

describe('beacon call against a real Beacon', () => {
  let beacon: BeaconProcess;
  let url: string;
  let tmp: string;

  before(async () => {
    // A short SSE retry keeps the resume-and-give-up case quick.
    beacon = await startBeacon({ env: { SSE_RETRY_MS: '200' } });
    url = beacon.mcpUrl;
    tmp = await mkdtemp(join(tmpdir(), 'beacon-call-'));
  });
  after(async () => {
    await beacon?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  for (const [era, landed] of [
    ['auto', 'modern'],
    ['modern', 'modern'],
    ['legacy', 'legacy'],
  ] as const) {
    it(`--json --era ${era}: a line per notification, one progress per item, the result last`, async () => {
      const run = await runCli(url, `--json --era ${era} --delay-ms 5 process_items`, {
        extra: ['alpha', '', 'gamma'],
      });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '');
      const lines = ndjson(run.stdout);
      const result = lines.at(-1);
      assert.equal(result?.type, 'result');
      assert.equal(result?.isError, false);
      assert.deepEqual(counts(result), { processed: 2, skipped: 1, failed: 0 });
      const notifications = lines.slice(0, -1);
      assert.ok(notifications.every((line) => line.type === 'progress' || line.type === 'log'));
      const progress = ofType(notifications, 'progress').map((line) => `${line.progress}/${line.total}`);
      assert.deepEqual(progress, ['1/3', '2/3', '3/3']);
      const levels = ofType(notifications, 'log').map((line) => line.level);
      assert.ok(levels.includes('info'));
      assert.ok(levels.includes('warning'), 'the empty item is reported as a warning');
      assert.ok(!levels.includes('debug'), 'debug is below the default level, info');
      for (const line of lines) {
        assert.equal(line.era, landed);
        assert.ok(!Number.isNaN(Date.parse(String(line.ts))), 'ts is an ISO timestamp');
      }
    });
  }

  for (const era of ['modern', 'legacy'] as const) {
    it(`--log-level reaches the server in the ${era} era`, async () => {
      const chatty = await runCli(url, `--json --era ${era} --log-level debug process_items x`);
      assert.equal(chatty.code, 0, chatty.stderr);
      assert.ok(ofType(ndjson(chatty.stdout), 'log').some((line) => line.level === 'debug'));
      const quiet = await runCli(url, `--json --era ${era} --log-level error process_items x`);
      assert.equal(quiet.code, 0, quiet.stderr);
      assert.deepEqual(ofType(ndjson(quiet.stdout), 'log'), [], 'nothing below error');
    });
  }

  it('prints plain lines when stdout is not a terminal; the first line names the era', async () => {
    const run = await runCli(url, '--era legacy --delay-ms 0 process_items a b');
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^connected to .* · era legacy \(2025-11-25\) · server beacon /);
    assert.equal(lines.filter((line) => / PROGRESS {2}\d\/2 /.test(line)).length, 2);
    assert.match(lines.at(-1) ?? '', /^\d\d:\d\d:\d\d\.\d{3} RESULT {4}Processed 2 items/);
    assert.ok(!run.stdout.includes(ESC), 'no colour codes');
  });

  it('--repeat makes every call on one legacy session, pausing between them', async () => {
    const since = beacon.lines.length;
    const run = await runCli(
      url,
      '--json --era legacy --delay-ms 0 --repeat 3 --pause-ms 50 process_items a',
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(ofType(ndjson(run.stdout), 'result').length, 3);
    assert.deepEqual(run.stderr.trimEnd().split('\n'), [
      'beacon: call 2 of 3 on the same session',
      'beacon: call 3 of 3 on the same session',
    ]);
    const sessions = beacon.lines
      .slice(since)
      .map((line) => (JSON.parse(line) as { session?: string }).session)
      .filter((session) => session !== undefined);
    assert.ok(sessions.length >= 3, 'the calls were logged with their session');
    assert.equal(new Set(sessions).size, 1, 'one session for all three calls');
  });

  it('reads items from --file, one per line', async () => {
    const file = join(tmp, 'items.txt');
    await writeFile(file, 'one\ntwo\nthree\nfour\n');
    const run = await runCli(url, `--json --delay-ms 0 --file ${file} process_items`);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(counts(ndjson(run.stdout).at(-1)), { processed: 4, skipped: 0, failed: 0 });
  });

  it("reads items from stdin when the only item is '-'", async () => {
    const run = await runCli(url, '--json --delay-ms 0 process_items -', { stdin: 'x\n\ny\n' });
    assert.equal(run.code, 0, run.stderr);
    const lines = ndjson(run.stdout);
    assert.equal(ofType(lines, 'progress').length, 3);
    assert.deepEqual(counts(lines.at(-1)), { processed: 2, skipped: 1, failed: 0 });
  });

  it('exits 1 with one stderr line when the tool reports an error', async () => {
    const run = await runCli(url, '--json process_items', { extra: ['--args', '{"items":[]}'] });
    assert.equal(run.code, 1);
    assert.equal(ndjson(run.stdout).at(-1)?.isError, true);
    assertOneErrorLine(run, /^error: tool process_items reported an error: /);
  });

  it('exits 1 on a protocol error (unknown tool)', async () => {
    const run = await runCli(url, 'no_such_tool');
    assert.equal(run.code, 1);
    assertOneErrorLine(run, /^error: protocol error -32602: .*no_such_tool/);
  });

  it('exits 2 on usage errors, naming the flag', async () => {
    for (const [words, pattern] of [
      ['', /missing TOOL/],
      ['--era sideways process_items a', /--era/],
      ['--nope process_items a', /--nope/],
      [`--file ${join(tmp, 'absent')} process_items`, /--file: cannot read/],
    ] as const) {
      const run = await runCli(url, words);
      assert.equal(run.code, 2, words);
      assertOneErrorLine(run, pattern);
    }
  });

  for (const era of ['auto', 'modern', 'legacy'] as const) {
    it(`exits 3 when the connection is refused (--era ${era})`, async () => {
      const run = await runCli(await closedPortUrl(), `--era ${era} process_items a`);
      assert.equal(run.code, 3);
      assertOneErrorLine(
        run,
        /^error: cannot reach http:\/\/127\.0\.0\.1:\d+: connection refused \(ECONNREFUSED\)$/,
      );
    });
  }

  for (const era of ['modern', 'legacy'] as const) {
    it(`Ctrl-C cancels a slow call in the ${era} era: exit 130, and the server stops early`, async () => {
      const since = beacon.lines.length;
      let signalled = false;
      const run = await runCli(url, `--json --era ${era} --delay-ms 300 process_items`, {
        extra: Array.from({ length: 40 }, (_, i) => `item-${i}`),
        onLine: (_line, kill) => {
          if (!signalled) kill('SIGINT');
          signalled = true;
        },
      });
      assert.equal(run.code, 130, run.stderr);
      assertOneErrorLine(run, /^error: interrupted: call cancelled after \d+ progress updates?$/);
      const lines = ndjson(run.stdout);
      assert.deepEqual(ofType(lines, 'result'), [], 'no result after cancelling');
      assert.ok(ofType(lines, 'progress').length < 5);
      const ended = await waitForNewLog(
        beacon,
        since,
        (entry) => entry.msg === 'tool call ended' && entry.era === WIRE_VERSION[era],
      );
      assert.equal(ended.outcome, 'cancelled');
      assert.ok(Number(ended.duration_ms) < (40 * 300) / 2, `stopped early (${ended.duration_ms} ms)`);
    });
  }

  describe('through a meddling proxy', () => {
    let proxy: Proxy;
    let proxyUrl: string;

    before(async () => {
      proxy = createProxy(new URL(url));
      proxyUrl = await listen(proxy.server);
    });
    after(() => {
      proxy.server.closeAllConnections();
      proxy.server.close();
    });

    it('re-initialises an expired session once and retries the call, with a notice', async () => {
      proxy.meddle('expire');
      const run = await runCli(proxyUrl, '--json --era legacy --delay-ms 0 process_items a b');
      assert.equal(proxy.pending(), undefined, 'the proxy answered 404');
      assert.equal(run.code, 0, run.stderr);
      assert.equal(
        run.stderr,
        'beacon: legacy session expired (HTTP 404); re-initialising and retrying the call once\n',
      );
      const lines = ndjson(run.stdout);
      assert.equal(ofType(lines, 'progress').length, 2);
      assert.equal(lines.at(-1)?.type, 'result');
    });

    it('resumes a dropped stream with Last-Event-ID and misses no notification', async () => {
      proxy.meddle('cut');
      const run = await runCli(proxyUrl, '--json --era legacy --delay-ms 100 process_items a b c d e f');
      assert.equal(proxy.pending(), undefined, 'the proxy cut the stream');
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /stream interrupted; resuming after event \S+/);
      const lines = ndjson(run.stdout);
      assert.deepEqual(
        ofType(lines, 'progress').map((line) => line.progress),
        [1, 2, 3, 4, 5, 6],
      );
      assert.equal(lines.at(-1)?.type, 'result');
    });

    it('exits 3 at once when a modern stream is cut (no resume in 2026-07-28)', async () => {
      proxy.meddle('cut');
      const started = Date.now();
      const run = await runCli(proxyUrl, '--json --era modern --delay-ms 100 process_items a b c d e f');
      assert.equal(run.code, 3, run.stderr);
      assertOneErrorLine(
        run,
        /^error: lost the connection to http:\/\/127\.0\.0\.1:\d+: the response stream ended/,
      );
      // The idle timeout is 120 s; a loaded CI machine can take several seconds just to start the CLI.
      assert.ok(Date.now() - started < 30_000, 'no wait for the request timeout');
    });

    it('exits 3 when a legacy stream cannot be resumed', async () => {
      proxy.meddle('sever');
      const run = await runCli(proxyUrl, '--json --era legacy --delay-ms 100 process_items a b c d e f');
      proxy.meddle(undefined);
      assert.equal(run.code, 3, run.stderr);
      assert.match(run.stderr, /resuming after event/);
      assert.match(
        run.stderr.trimEnd().split('\n').at(-1) ?? '',
        /^error: lost the connection to .*: the response stream ended/,
      );
    });
  });
});

describe('beacon call and authentication', () => {
  let server: Server;
  let url: string;
  const seen: IncomingHttpHeaders[] = [];

  before(async () => {
    // Stands in for an auth wall: records what the client sent and refuses it.
    server = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="beacon"' }).end();
    });
    url = await listen(server);
  });
  after(() => server.close());

  it('sends --api-key as a bearer token plus raw --header values, and exits 4 on 401', async () => {
    const run = await runCli(url, '--api-key bk_test_123 process_items a', {
      extra: ['--header', 'X-Trace: abc'],
    });
    assert.equal(run.code, 4);
    assertOneErrorLine(run, /^error: authentication failed at http:\/\/127\.0\.0\.1:\d+ \(HTTP 401\)/);
    assert.equal(seen.at(-1)?.authorization, 'Bearer bk_test_123');
    assert.equal(seen.at(-1)?.['x-trace'], 'abc');
  });

  it('exits 4 and asks for credentials when none were given', async () => {
    for (const era of ['auto', 'legacy'] as const) {
      const run = await runCli(url, `--era ${era} process_items a`);
      assert.equal(run.code, 4);
      assertOneErrorLine(run, /authentication required .* pass --api-key or --token/);
    }
  });
});

/** expire: answer 404 (session gone); cut: drop the stream mid-call; sever: cut, then refuse everything. */
type Meddling = 'expire' | 'cut' | 'sever';

interface Proxy {
  server: Server;
  /** Meddles with the next tools/call POST; then passes everything through (unless severed). */
  meddle(next: Meddling | undefined): void;
  /** The meddling not yet applied. */
  pending(): Meddling | undefined;
}

/** A pass-through HTTP proxy in front of Beacon that misbehaves on request. */
function createProxy(target: URL): Proxy {
  let next: Meddling | undefined;
  let severed = false;
  const server = createServer(async (req, res) => {
    if (severed) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    let meddling: Meddling | undefined;
    if (req.method === 'POST' && body.includes('"tools/call"')) {
      meddling = next;
      next = undefined;
    }
    if (meddling === 'expire') {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}');
      return;
    }
    const headers = { ...req.headers, host: target.host };
    const upstream = request(target, { method: req.method, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      let events = 0;
      up.on('data', (chunk: Buffer) => {
        res.write(chunk);
        events += (chunk.toString('utf8').match(/^data: /gm) ?? []).length;
        // A few events get through, then the line goes dead.
        if (meddling !== undefined && events >= 4) {
          severed = meddling === 'sever';
          up.destroy();
          res.destroy();
        }
      });
      up.on('end', () => res.end());
    });
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  });
  return {
    server,
    meddle(meddling) {
      next = meddling;
      severed = false;
    },
    pending: () => next,
  };
}
