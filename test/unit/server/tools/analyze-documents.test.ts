import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import {
  analyzeDocumentsInputSchema,
  analyzeDocumentsOutputSchema,
  createAnalyzeDocumentsTool,
  listDataFiles,
} from '../../../../src/server/tools/analyze-documents.js';
import { ToolInputError } from '../../../../src/server/tools/tool.js';
import { RecordingNotifier } from './recording-notifier.js';

const SHIPPED_DATA = resolve(import.meta.dirname, '../../../../data');
const GiB = 1024 ** 3;
const never = new AbortController().signal;

function callTool(
  dataDir: string,
  input: { paths?: string[]; delayMs?: number },
  limits: { maxFileBytes?: number; maxFiles?: number } = {},
  signal = never,
) {
  const tool = createAnalyzeDocumentsTool({
    dataDir,
    maxFileBytes: limits.maxFileBytes ?? 1 << 20,
    maxFiles: limits.maxFiles ?? 100,
  });
  const notify = new RecordingNotifier();
  const parsed = analyzeDocumentsInputSchema.parse(input);
  return { notify, result: tool.run(parsed, { signal, notify }) };
}

describe('analyze_documents over the shipped data directory', () => {
  it('analyzes every file, depth first in name order, with its type', async () => {
    const { result } = callTool(SHIPPED_DATA, {});
    const { structured } = await result;
    assert.deepEqual(
      structured.files.map(({ path, status, type, lines, words }) => [path, status, type, lines, words]),
      [
        ['README.md', 'ok', 'markdown', 16, 130],
        ['field-notes/storm-watch.md', 'ok', 'markdown', 7, 50],
        ['keeper-log.txt', 'ok', 'text', 4, 45],
        ['lighthouses.json', 'ok', 'json', 7, 50],
        ['tide-readings.csv', 'ok', 'csv', 6, 11],
      ],
    );
    assert.deepEqual(analyzeDocumentsOutputSchema.parse(structured), structured);
    assert.equal(structured.analyzed, 5);
  });

  it('reports bytes and the SHA-256 of the whole file', async () => {
    const { result } = callTool(SHIPPED_DATA, { paths: ['keeper-log.txt'] });
    const { structured, text } = await result;
    const bytes = await readFile(join(SHIPPED_DATA, 'keeper-log.txt'));
    assert.equal(structured.files[0]?.bytes, bytes.length);
    assert.equal(structured.files[0]?.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.match(text, /^Analyzed 1 file: 1 ok, 0 skipped, 0 failed\./);
  });

  it('sends info, debug and progress per file, in order', async () => {
    const { notify, result } = callTool(SHIPPED_DATA, { paths: ['lighthouses.json', 'tide-readings.csv'] });
    await result;
    assert.deepEqual(notify.kinds(), ['info', 'debug', 'progress', 'info', 'debug', 'progress']);
    assert.deepEqual(notify.logs('info'), [
      'file 1/2 lighthouses.json: ok (346 bytes, 7 lines, json)',
      'file 2/2 tide-readings.csv: ok (172 bytes, 6 lines, csv)',
    ]);
    assert.deepEqual(
      notify.progressNotes().map(({ done, total }) => [done, total]),
      [
        [1, 2],
        [2, 2],
      ],
    );
    const debug = notify.logs('debug')[0] as Record<string, unknown>;
    assert.deepEqual(Object.keys(debug).sort(), ['bytes', 'lines', 'ms', 'path', 'sha256', 'type', 'words']);
  });
});

describe('analyze_documents on a temporary data directory', () => {
  let base: string;
  let root: string;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'beacon-analyze-'));
    root = join(base, 'data');
    await mkdir(join(root, 'sub'), { recursive: true });
    await writeFile(join(root, 'a.txt'), 'one two\n');
    await writeFile(join(root, 'empty.md'), '');
    await writeFile(join(root, 'sub', 'b.csv'), 'x,y\n1,2\n');
    await writeFile(join(base, 'outside.txt'), 'not yours');
    await symlink(join(base, 'outside.txt'), join(root, 'escape.txt'));
    await symlink(join(root, 'sub'), join(root, 'sub-link'));
    const huge = await open(join(root, 'huge.log'), 'w');
    await huge.close();
    await truncate(join(root, 'huge.log'), 3 * GiB);
  });

  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('says which folder it cannot list, without the server path', async () => {
    await assert.rejects(listDataFiles(join(base, 'no-such-dir'), 10, never), (error) => {
      assert.ok(error instanceof Error);
      assert.equal(error.message, 'cannot list "." in the data directory (ENOENT)');
      return true;
    });
  });

  it('lists regular files only, never following links', async () => {
    const { targets, truncated } = await listDataFiles(root, 100, never);
    assert.deepEqual(
      targets.map((t) => t.path),
      ['a.txt', 'empty.md', 'huge.log', 'sub/b.csv'],
    );
    assert.equal(truncated, false);
  });

  it('stops listing at maxFiles and warns', async () => {
    const { notify, result } = callTool(root, {}, { maxFiles: 2, maxFileBytes: 1024 });
    const { structured, text } = await result;
    assert.deepEqual(
      structured.files.map((f) => f.path),
      ['a.txt', 'empty.md'],
    );
    assert.deepEqual(notify.notes[0], {
      kind: 'log',
      level: 'warning',
      data: 'more than 2 files; analyzing the first 2',
    });
    assert.match(text, /Stopped listing at 2 files/);
  });

  it('warns about an empty file and reports an error for an oversized one, without reading it', async () => {
    const started = performance.now();
    const { notify, result } = callTool(
      root,
      { paths: ['empty.md', 'huge.log', 'a.txt'] },
      { maxFileBytes: 64 },
    );
    const { structured } = await result;
    assert.ok(performance.now() - started < 1000, 'the 3 GiB file was not read');
    assert.deepEqual(notify.kinds(), [
      ...['info', 'warning', 'debug', 'progress'],
      ...['info', 'error', 'debug', 'progress'],
      ...['info', 'debug', 'progress'],
    ]);
    assert.deepEqual(notify.logs('warning'), ['file 1/3 empty.md is empty; skipped']);
    assert.deepEqual(notify.logs('error'), [
      `file 2/3 huge.log failed: ${3 * GiB} bytes is over the limit of 64 bytes`,
    ]);
    assert.deepEqual(
      { analyzed: structured.analyzed, skipped: structured.skipped, failed: structured.failed },
      { analyzed: 1, skipped: 1, failed: 1 },
    );
    assert.deepEqual(structured.files[1], {
      path: 'huge.log',
      status: 'failed',
      bytes: 3 * GiB,
      lines: null,
      words: null,
      sha256: null,
      type: 'text',
      reason: `${3 * GiB} bytes is over the limit of 64 bytes`,
    });
    assert.deepEqual(analyzeDocumentsOutputSchema.parse(structured), structured);
  });

  for (const [path, reason] of [
    ['../outside.txt', 'climbs out of the data directory'],
    [join('/', 'etc', 'passwd'), 'absolute'],
    ['escape.txt', 'symbolic link'],
    ['sub-link/b.csv', 'symbolic link'],
    ['a.txt\0.png', 'NUL byte'],
    ['sub', 'directory, not a file'],
    ['missing.txt', 'does not exist'],
  ] as const) {
    it(`fails the whole call for the unsafe path ${JSON.stringify(path)} before reading anything`, async () => {
      const { notify, result } = callTool(root, { paths: ['a.txt', path] });
      await assert.rejects(result, (error) => {
        assert.ok(error instanceof ToolInputError);
        assert.ok(error.message.startsWith(`unsafe path ${JSON.stringify(path)}: `), error.message);
        assert.ok(error.message.includes(reason), error.message);
        return true;
      });
      assert.equal(notify.notes.length, 0, 'nothing was processed');
    });
  }

  it('refuses more paths than maxFiles', async () => {
    const { result } = callTool(root, { paths: ['a.txt', 'a.txt', 'a.txt'] }, { maxFiles: 2 });
    await assert.rejects(result, { name: 'ToolInputError', message: /at most 2 files per call/ });
  });

  it('stops within one file when cancelled', async () => {
    const controller = new AbortController();
    const { notify, result } = callTool(root, { paths: Array(6).fill('a.txt') }, {}, controller.signal);
    notify.onNote = (note) => {
      if (note.kind === 'progress' && note.done === 2) controller.abort();
    };
    await assert.rejects(result, { name: 'AbortError' });
    assert.equal(notify.progressNotes().length, 2);
  });

  it('honours delayMs, and a cancel cuts it short', async () => {
    let started = performance.now();
    await callTool(root, { paths: ['a.txt', 'a.txt'], delayMs: 50 }).result;
    assert.ok(performance.now() - started >= 2 * 50 - 3);

    const controller = new AbortController();
    started = performance.now();
    const { notify, result } = callTool(root, { paths: ['a.txt'], delayMs: 10_000 }, {}, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(result, { name: 'AbortError' });
    assert.ok(performance.now() - started < 1000);
    assert.equal(notify.notes.length, 0);
  });
});

describe('analyzeDocumentsInputSchema', () => {
  it('makes paths optional, defaults delayMs to 0 and names the field in errors', () => {
    assert.deepEqual(analyzeDocumentsInputSchema.parse({}), { delayMs: 0 });
    const json = analyzeDocumentsInputSchema['~standard'].jsonSchema.input({ target: 'draft-2020-12' });
    assert.equal(json.required, undefined, 'no field is required');
    const empty = analyzeDocumentsInputSchema.safeParse({ paths: [] });
    assert.match(empty.error?.issues[0]?.message ?? '', /^paths must hold at least 1 path/);
    const long = analyzeDocumentsInputSchema.safeParse({ paths: ['a'.repeat(4097)] });
    assert.match(long.error?.issues[0]?.message ?? '', /^paths: every path must be at most 4096 characters/);
    const many = analyzeDocumentsInputSchema.safeParse({ paths: Array(1001).fill('a') });
    assert.match(many.error?.issues[0]?.message ?? '', /^paths must hold at most 1000 paths/);
  });
});
