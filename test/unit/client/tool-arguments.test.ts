import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type CallOptions, parseCallArgs, UsageError } from '../../../src/client/args.js';
import { buildToolArguments, readItems, splitLines } from '../../../src/client/tool-arguments.js';

function options(...argv: string[]): CallOptions {
  const command = parseCallArgs(['--url', 'http://127.0.0.1:3000/mcp', ...argv]);
  assert.equal(command.kind, 'call');
  return command.options;
}

describe('splitLines', () => {
  it('gives one item per line; a final newline adds no empty item, inner empty lines stay', () => {
    assert.deepEqual(splitLines('a\nb\n'), ['a', 'b']);
    assert.deepEqual(splitLines('a\r\n\r\nc'), ['a', '', 'c']);
    assert.deepEqual(splitLines(''), []);
  });
});

describe('readItems', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'beacon-items-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file, one item per line', async () => {
    const path = join(dir, 'items.txt');
    await writeFile(path, 'first\nsecond item\n\nfourth\n');
    assert.deepEqual(await readItems({ kind: 'file', path }, Readable.from([])), [
      'first',
      'second item',
      '',
      'fourth',
    ]);
  });

  it('reads stdin to the end', async () => {
    const stdin = Readable.from([Buffer.from('x\ny'), Buffer.from('\nz\n')]);
    assert.deepEqual(await readItems({ kind: 'stdin' }, stdin), ['x', 'y', 'z']);
  });

  it('names --file when the file cannot be read', async () => {
    await assert.rejects(
      readItems({ kind: 'file', path: join(dir, 'missing.txt') }, Readable.from([])),
      (error: unknown) => error instanceof UsageError && /--file: cannot read .*ENOENT/.test(error.message),
    );
  });
});

describe('buildToolArguments', () => {
  it('process_items: items become { items }, --delay-ms becomes delayMs', () => {
    assert.deepEqual(buildToolArguments(options('--delay-ms', '300', 'process_items'), ['a', 'b']), {
      items: ['a', 'b'],
      delayMs: 300,
    });
  });

  it('process_items needs items from somewhere, but --args may provide them', () => {
    assert.throws(() => buildToolArguments(options('process_items'), []), /needs at least one item/);
    assert.deepEqual(buildToolArguments(options('--args', '{"items":["q"]}', 'process_items'), []), {
      items: ['q'],
    });
  });

  it('analyze_documents: items become { paths }, none means no paths field', () => {
    assert.deepEqual(buildToolArguments(options('analyze_documents'), ['a.md', 'b/c.csv']), {
      paths: ['a.md', 'b/c.csv'],
    });
    assert.deepEqual(buildToolArguments(options('analyze_documents'), []), {});
  });

  it('other tools take --args as is, and refuse positional items', () => {
    assert.deepEqual(buildToolArguments(options('--args', '{"n":1}', 'echo'), []), { n: 1 });
    assert.throws(() => buildToolArguments(options('echo'), ['x']), /use --args JSON for 'echo'/);
  });

  it('command-line items override items given in --args', () => {
    assert.deepEqual(
      buildToolArguments(options('--args', '{"items":["old"],"note":"kept"}', 'process_items'), ['new']),
      { items: ['new'], note: 'kept' },
    );
  });
});
