import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  colorEnabled,
  createRenderer,
  formatLogLine,
  formatProgressLine,
  formatTime,
  printable,
  type RenderOptions,
} from '../../../src/client/render.js';
import { capturedStreams } from '../../helpers/captured-streams.js';

// Built from local components so the expected wall-clock text does not depend on TZ.
const AT = new Date(2026, 6, 28, 9, 5, 7, 42);
const ESC = '\x1b[';

function capture(options: Partial<RenderOptions> = {}) {
  const { stdout, stderr, out, err } = capturedStreams();
  const renderer = createRenderer({
    json: false,
    isTTY: false,
    color: false,
    stdout,
    stderr,
    now: () => AT,
    ...options,
  });
  return { renderer, out, err };
}

describe('colorEnabled', () => {
  it('colours only a terminal, and never when NO_COLOR is set', () => {
    assert.equal(colorEnabled(true, {}), true);
    assert.equal(colorEnabled(false, {}), false);
    assert.equal(colorEnabled(true, { NO_COLOR: '1' }), false);
    // no-color.org: an empty NO_COLOR does not count.
    assert.equal(colorEnabled(true, { NO_COLOR: '' }), true);
  });
});

describe('human lines', () => {
  it('prints time, padded level and message', () => {
    assert.equal(formatTime(AT), '09:05:07.042');
    assert.equal(
      formatLogLine({ level: 'warning', data: 'item 2 is empty' }, AT, false),
      '09:05:07.042 WARNING   item 2 is empty',
    );
    assert.equal(
      formatProgressLine({ progress: 2, total: 5, message: 'item 2/5 ok' }, AT, false),
      '09:05:07.042 PROGRESS  2/5 item 2/5 ok',
    );
  });

  it('shows structured data as compact JSON and names the logger', () => {
    assert.equal(
      formatLogLine({ level: 'debug', logger: 'items', data: { index: 1, chars: 3 } }, AT, false),
      '09:05:07.042 DEBUG     [items] {"index":1,"chars":3}',
    );
  });

  it('colours the level only when asked', () => {
    const plain = formatLogLine({ level: 'error', data: 'boom' }, AT, false);
    const coloured = formatLogLine({ level: 'error', data: 'boom' }, AT, true);
    assert.ok(!plain.includes(ESC));
    assert.ok(coloured.includes(`${ESC}31mERROR`), coloured);
  });

  it('escapes control characters from the server instead of sending them to the terminal', () => {
    assert.equal(printable('a\x1b[2Jb\r\nc\td'), 'a\\x1b[2Jb\\x0d\\nc d');
    const line = formatLogLine({ level: 'info', data: 'x\x1b]0;pwned\x07' }, AT, false);
    assert.ok(!line.includes('\x1b'));
  });

  it('prints progress as lines when stdout is not a terminal, and no colour codes', () => {
    const { renderer, out, err } = capture();
    renderer.connected({ url: 'http://h/mcp', era: 'legacy', protocolVersion: '2025-11-25' });
    renderer.progress({ progress: 1, total: 2, message: 'one' });
    renderer.log({ level: 'info', data: 'hello' });
    renderer.result({ isError: false, content: [{ type: 'text', text: 'done\nsecond line' }] });
    renderer.close();
    assert.equal(
      out(),
      [
        'connected to http://h/mcp · era legacy (2025-11-25)',
        '09:05:07.042 PROGRESS  1/2 one',
        '09:05:07.042 INFO      hello',
        '09:05:07.042 RESULT    done',
        'second line',
        '',
      ].join('\n'),
    );
    assert.equal(err(), '');
  });

  it('names the era in the first line', () => {
    const { renderer, out } = capture();
    renderer.connected({
      url: 'http://h/mcp',
      era: 'modern',
      protocolVersion: '2026-07-28',
      server: { name: 'beacon', version: '0.1.0' },
    });
    assert.equal(
      out().split('\n')[0],
      'connected to http://h/mcp · era modern (2026-07-28) · server beacon 0.1.0',
    );
  });

  it('keeps progress off stdout on a terminal (the bar lives on stderr)', () => {
    const { renderer, out } = capture({ isTTY: true, color: true });
    renderer.progress({ progress: 1, total: 3, message: 'one' });
    renderer.log({ level: 'info', data: 'hello' });
    renderer.close();
    assert.ok(!out().includes('PROGRESS'));
    assert.ok(out().includes(`${ESC}32mINFO`));
  });

  it('writes errors and notices to stderr', () => {
    const { renderer, out, err } = capture();
    renderer.notice('stream interrupted; resuming after event 7');
    renderer.error('cannot reach http://h: connection refused (ECONNREFUSED)');
    assert.equal(out(), '');
    assert.match(err(), /^09:05:07\.042 BEACON {4}stream interrupted; resuming after event 7\n/);
    assert.match(err(), /\nerror: cannot reach http:\/\/h: connection refused \(ECONNREFUSED\)\n$/);
  });
});

describe('NDJSON', () => {
  it('prints one self-describing line per notification, then the result, and nothing else on stdout', () => {
    const { renderer, out, err } = capture({ json: true, isTTY: true, color: true });
    renderer.connected({ url: 'http://h/mcp', era: 'modern', protocolVersion: '2026-07-28' });
    renderer.progress({ progress: 1, total: 2, message: 'item 1/2 ok' });
    renderer.log({ level: 'info', data: 'item 1' });
    renderer.log({ level: 'debug', logger: 'items', data: { sha256: 'ab' } });
    renderer.result({
      isError: false,
      content: [{ type: 'text', text: 'ok' }],
      structuredContent: { processed: 2 },
    });
    renderer.notice('resumed');
    const lines = out().trimEnd().split('\n');
    assert.equal(lines.length, 4);
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const ts = AT.toISOString();
    assert.deepEqual(parsed[0], {
      type: 'progress',
      ts,
      era: 'modern',
      progress: 1,
      total: 2,
      message: 'item 1/2 ok',
    });
    assert.deepEqual(parsed[1], { type: 'log', ts, era: 'modern', level: 'info', data: 'item 1' });
    assert.deepEqual(parsed[2], {
      type: 'log',
      ts,
      era: 'modern',
      level: 'debug',
      logger: 'items',
      data: { sha256: 'ab' },
    });
    assert.deepEqual(parsed[3], {
      type: 'result',
      ts,
      era: 'modern',
      isError: false,
      structuredContent: { processed: 2 },
      content: [{ type: 'text', text: 'ok' }],
    });
    assert.ok(!out().includes(ESC), 'no colour codes in NDJSON, even on a terminal');
    assert.equal(err(), 'beacon: resumed\n');
  });

  it('keeps the data of a log verbatim (control characters are JSON-escaped, not rewritten)', () => {
    const { renderer, out } = capture({ json: true });
    renderer.log({ level: 'info', data: 'a\x1bb' });
    assert.equal((JSON.parse(out()) as { data: string }).data, 'a\x1bb');
  });
});
