import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CallOptions, parseCallArgs, UsageError } from '../../../src/client/args.js';

const URL_FLAG = ['--url', 'http://127.0.0.1:3000/mcp'];

function parse(...argv: string[]): CallOptions {
  const command = parseCallArgs([...URL_FLAG, ...argv]);
  assert.equal(command.kind, 'call');
  return command.options;
}

function usageError(argv: string[], mentions: RegExp): void {
  assert.throws(
    () => parseCallArgs(argv),
    (error: unknown) => error instanceof UsageError && mentions.test(error.message),
  );
}

describe('parseCallArgs', () => {
  it('reads the tool and its items with defaults for everything else', () => {
    const options = parse('process_items', 'a', 'b', 'c');
    assert.equal(options.url.href, 'http://127.0.0.1:3000/mcp');
    assert.equal(options.tool, 'process_items');
    assert.deepEqual(options.items, { kind: 'args', items: ['a', 'b', 'c'] });
    assert.equal(options.era, 'auto');
    assert.equal(options.logLevel, 'info');
    assert.equal(options.json, false);
    assert.deepEqual(options.auth, { kind: 'none' });
    assert.deepEqual(options.headers, []);
    assert.equal(options.delayMs, undefined);
    assert.equal(options.repeat, 1);
    assert.equal(options.pauseMs, 1000);
    assert.deepEqual(options.baseArgs, {});
  });

  it('reads --repeat and --pause-ms', () => {
    const options = parse('--repeat', '5', '--pause-ms', '0', 'process_items', 'x');
    assert.equal(options.repeat, 5);
    assert.equal(options.pauseMs, 0);
  });

  it('accepts flags after the tool name, and items after -- even if they look like flags', () => {
    const options = parse('process_items', 'a', '--json', '--', '--not-a-flag');
    assert.equal(options.json, true);
    assert.deepEqual(options.items, { kind: 'args', items: ['a', '--not-a-flag'] });
  });

  it('reads every option', () => {
    const options = parse(
      '--api-key',
      'bk_test',
      '--header',
      'X-Trace: abc',
      '--header',
      'X-Other:  spaced value ',
      '--ca',
      'ca.pem',
      '--era',
      'legacy',
      '--json',
      '--log-level',
      'debug',
      '--delay-ms',
      '300',
      '--args',
      '{"extra":true}',
      'process_items',
      'x',
    );
    assert.deepEqual(options.auth, { kind: 'api-key', key: 'bk_test' });
    assert.deepEqual(options.headers, [
      ['X-Trace', 'abc'],
      ['X-Other', 'spaced value'],
    ]);
    assert.equal(options.caFile, 'ca.pem');
    assert.equal(options.era, 'legacy');
    assert.equal(options.json, true);
    assert.equal(options.logLevel, 'debug');
    assert.equal(options.delayMs, 300);
    assert.deepEqual(options.baseArgs, { extra: true });
  });

  it('takes --token as a bearer token', () => {
    assert.deepEqual(parse('--token', 'eyJ.x.y', 't').auth, { kind: 'bearer', token: 'eyJ.x.y' });
  });

  it('reads items from a file or from stdin', () => {
    assert.deepEqual(parse('--file', 'items.txt', 'process_items').items, {
      kind: 'file',
      path: 'items.txt',
    });
    assert.deepEqual(parse('process_items', '-').items, { kind: 'stdin' });
    assert.deepEqual(parse('--file', '-', 'process_items').items, { kind: 'stdin' });
  });

  it('returns help for -h and --help, even without --url', () => {
    assert.deepEqual(parseCallArgs(['--help']), { kind: 'help' });
    assert.deepEqual(parseCallArgs(['-h']), { kind: 'help' });
  });

  describe('usage errors name the flag', () => {
    it('--url missing, malformed or not http(s)', () => {
      usageError(['process_items', 'a'], /--url is required/);
      usageError(['--url', 'not a url', 'process_items'], /--url/);
      usageError(['--url', 'ftp://example.com/mcp', 'process_items'], /--url.*http/);
    });
    it('no tool', () => usageError(URL_FLAG, /missing TOOL/));
    it('unknown era and log level', () => {
      usageError([...URL_FLAG, '--era', 'sse2', 't'], /--era.*auto, modern, legacy/);
      usageError([...URL_FLAG, '--log-level', 'verbose', 't'], /--log-level/);
    });
    it('unknown flags and missing values', () => {
      usageError([...URL_FLAG, '--bogus', 't'], /--bogus/);
      usageError([...URL_FLAG, 't', '--era'], /--era/);
    });
    it('both --api-key and --token', () =>
      usageError([...URL_FLAG, '--api-key', 'k', '--token', 't', 'x'], /--api-key and --token/));
    it('a header without a name or colon', () => {
      usageError([...URL_FLAG, '--header', 'novalue', 't'], /--header/);
      usageError([...URL_FLAG, '--header', 'Bad Name: v', 't'], /--header/);
    });
    it('a negative or fractional delay', () => {
      usageError([...URL_FLAG, '--delay-ms', '-1', 't'], /--delay-ms/);
      usageError([...URL_FLAG, '--delay-ms', '2.5', 't'], /--delay-ms/);
      usageError([...URL_FLAG, '--delay-ms', 'soon', 't'], /--delay-ms/);
    });
    it('a --repeat outside 1-1000 or a bad --pause-ms', () => {
      usageError(
        [...URL_FLAG, '--repeat', '0', 't'],
        /--repeat: expected a whole number of calls from 1 to 1000/,
      );
      usageError([...URL_FLAG, '--repeat', '1001', 't'], /--repeat/);
      usageError([...URL_FLAG, '--pause-ms', '-5', 't'], /--pause-ms/);
    });
    it('--args that is not a JSON object', () => {
      usageError([...URL_FLAG, '--args', '{nope', 't'], /--args: not valid JSON/);
      usageError([...URL_FLAG, '--args', '[1]', 't'], /--args: expected a JSON object/);
    });
    it('items from two places at once', () => {
      usageError([...URL_FLAG, '--file', 'f', 'process_items', 'a'], /--file cannot be combined/);
      usageError([...URL_FLAG, 'process_items', 'a', '-'], /'-'.*only item/);
    });
  });
});
