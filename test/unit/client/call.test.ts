import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { runCall } from '../../../src/client/call.js';
import { capturedStreams } from '../../helpers/captured-streams.js';

/** runCall with in-memory streams; these cases all finish before any network traffic. */
async function run(argv: string[]) {
  const { stdout, stderr, out, err } = capturedStreams();
  const code = await runCall(argv, {
    stdin: Readable.from([]),
    stdout,
    stderr,
    isTTY: false,
    env: {},
    onInterrupt: () => () => undefined,
  });
  return { code, out: out(), err: err() };
}

describe('runCall before connecting', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'beacon-call-unit-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the usage on --help and exits 0', async () => {
    const { code, out, err } = await run(['--help']);
    assert.equal(code, 0);
    assert.match(out, /^Usage: beacon call --url URL/);
    assert.match(out, /Exit codes: 0 ok, 1 tool or protocol error, 2 usage, 3 connection, 4 auth, 130/);
    assert.equal(err, '');
  });

  it('exits 2 with one line pointing at --help on a bad command line', async () => {
    const { code, out, err } = await run([
      '--url',
      'http://127.0.0.1:9/mcp',
      '--era',
      'later',
      'process_items',
      'a',
    ]);
    assert.equal(code, 2);
    assert.equal(out, '');
    assert.equal(
      err,
      "error: --era: expected one of auto, modern, legacy, sse, got 'later' (see beacon call --help)\n",
    );
  });

  it('exits 2 when process_items gets no items', async () => {
    const { code, err } = await run(['--url', 'http://127.0.0.1:9/mcp', 'process_items']);
    assert.equal(code, 2);
    assert.match(err, /^error: process_items needs at least one item/);
  });

  it('exits 2 when --ca is missing or holds no certificate', async () => {
    const missing = await run([
      '--url',
      'https://127.0.0.1:9/mcp',
      '--ca',
      join(dir, 'none.pem'),
      'process_items',
      'a',
    ]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /^error: --ca: cannot read .*\(ENOENT\)\n$/);
    const garbage = join(dir, 'garbage.pem');
    await writeFile(garbage, 'not a certificate\n');
    const bad = await run(['--url', 'https://127.0.0.1:9/mcp', '--ca', garbage, 'process_items', 'a']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /^error: --ca: .* holds no PEM certificate\n$/);
  });

  it('exits 2 on a --client-secret-file it cannot use, printing none of its content', async () => {
    const secret = 'call-unit-secret-5b2e9d';
    const lines = join(dir, 'secret.env');
    await writeFile(lines, `CLIENT_SECRET=${secret}\nCLIENT_ID=x\n`);
    const args = ['--url', 'http://127.0.0.1:9/mcp', '--oauth-client-credentials', '--client-id', 'c'];
    const bad = await run([...args, '--client-secret-file', lines, 'process_items', 'a']);
    assert.equal(bad.code, 2);
    assert.equal(bad.out, '');
    assert.match(bad.err, /^error: --client-secret-file: '.*secret\.env' holds more than one line/);
    assert.ok(!bad.err.includes(secret));
    const both = await run([
      ...args,
      '--client-secret',
      's',
      '--client-secret-file',
      lines,
      'process_items',
      'a',
    ]);
    assert.equal(both.code, 2);
    assert.match(both.err, /^error: --client-secret and --client-secret-file cannot be used together/);
  });
});
