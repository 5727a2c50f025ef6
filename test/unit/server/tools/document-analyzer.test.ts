import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, open, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { analyzeFile } from '../../../../src/server/tools/document-analyzer.js';

const GiB = 1024 ** 3;

describe('analyzeFile', () => {
  let dir: string;
  const signal = new AbortController().signal;
  const at = (name: string) => join(dir, name);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'beacon-analyzer-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('measures a text file and hashes its bytes', async () => {
    const content = 'alpha beta\ngamma\n';
    await writeFile(at('small.txt'), content);
    const event = await analyzeFile('small.txt', at('small.txt'), { maxFileBytes: 1024, signal });
    assert.deepEqual(
      { ...event, ms: 0 },
      {
        path: 'small.txt',
        status: 'ok',
        bytes: 17,
        lines: 2,
        words: 3,
        sha256: createHash('sha256').update(content).digest('hex'),
        type: 'text',
        ms: 0,
      },
    );
  });

  it('counts words, lines and multi-byte characters across every chunk size', async () => {
    const content = `${'héllo wörld €uro 😀smile\n'.repeat(50)}last line without newline`;
    await writeFile(at('chunks.md'), content);
    const expected = { bytes: Buffer.byteLength(content), lines: 51, words: 50 * 4 + 4 };
    for (const chunkBytes of [1, 2, 3, 5, 7, 64, 1000]) {
      const event = await analyzeFile('chunks.md', at('chunks.md'), {
        maxFileBytes: 1 << 20,
        signal,
        chunkBytes,
      });
      assert.deepEqual(
        { bytes: event.bytes, lines: event.lines, words: event.words },
        expected,
        `chunks of ${chunkBytes}`,
      );
      assert.equal(event.type, 'markdown');
      assert.equal(event.sha256, createHash('sha256').update(content).digest('hex'));
    }
  });

  it('sniffs the first chunk for the type', async () => {
    await writeFile(at('fake.json'), Buffer.from([0x7b, 0x00, 0x7d]));
    const event = await analyzeFile('fake.json', at('fake.json'), { maxFileBytes: 1024, signal });
    assert.equal(event.status, 'ok');
    assert.equal(event.type, 'binary');
  });

  it('skips an empty file', async () => {
    await writeFile(at('empty.csv'), '');
    const event = await analyzeFile('empty.csv', at('empty.csv'), { maxFileBytes: 1024, signal });
    assert.equal(event.status, 'skipped');
    assert.equal(event.reason, 'empty');
    assert.equal(event.bytes, 0);
    assert.equal(event.type, 'csv');
  });

  it('refuses a 3 GiB file by its size without reading it', async () => {
    // Sparse: takes no disk space, but reading and hashing 3 GiB would take many seconds.
    const handle = await open(at('huge.log'), 'w');
    await handle.close();
    await truncate(at('huge.log'), 3 * GiB);
    const started = performance.now();
    const event = await analyzeFile('huge.log', at('huge.log'), { maxFileBytes: 1024, signal });
    const elapsed = performance.now() - started;
    assert.equal(event.status, 'failed');
    assert.equal(event.bytes, 3 * GiB);
    assert.equal(event.reason, `${3 * GiB} bytes is over the limit of 1024 bytes`);
    assert.equal(event.sha256, null);
    assert.ok(elapsed < 500, `took ${elapsed} ms`);
  });

  it('accepts a file of exactly maxFileBytes and refuses one byte more', async () => {
    await writeFile(at('edge.txt'), 'x'.repeat(100));
    assert.equal((await analyzeFile('edge.txt', at('edge.txt'), { maxFileBytes: 100, signal })).status, 'ok');
    assert.equal(
      (await analyzeFile('edge.txt', at('edge.txt'), { maxFileBytes: 99, signal })).status,
      'failed',
    );
  });

  it('will not open a symlink swapped in after the path check', async () => {
    await writeFile(at('target.txt'), 'secret');
    await symlink(at('target.txt'), at('swapped.txt'));
    const event = await analyzeFile('swapped.txt', at('swapped.txt'), { maxFileBytes: 1024, signal });
    assert.equal(event.status, 'failed');
    assert.equal(event.reason, 'cannot open: ELOOP');
  });

  it('fails a file that vanished with the reason', async () => {
    const event = await analyzeFile('gone.txt', at('gone.txt'), { maxFileBytes: 1024, signal });
    assert.equal(event.status, 'failed');
    assert.equal(event.reason, 'cannot open: ENOENT');
    assert.equal(event.bytes, null);
  });

  it('rejects with the signal reason when cancelled mid-file', async () => {
    // 16-byte reads of 200 kB take far longer than the 5 ms before the abort.
    await writeFile(at('long.txt'), 'word '.repeat(40_000));
    const controller = new AbortController();
    const reason = new Error('cancelled by the client');
    const started = performance.now();
    const run = analyzeFile('long.txt', at('long.txt'), {
      maxFileBytes: 1 << 20,
      signal: controller.signal,
      chunkBytes: 16,
    });
    setTimeout(() => controller.abort(reason), 5);
    await assert.rejects(run, (error) => error === reason);
    assert.ok(performance.now() - started < 200, 'stopped reading soon after the abort');
  });

  it('rejects at once when the signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      analyzeFile('small.txt', at('small.txt'), { maxFileBytes: 1024, signal: controller.signal }),
      {
        name: 'AbortError',
      },
    );
  });
});
