import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCallArgs, UsageError } from '../../../src/client/args.js';
import { classicEventOf, classicRefusal, classicUrlOf } from '../../../src/client/classic.js';
import { EXIT } from '../../../src/client/errors.js';

describe('beacon call --classic', () => {
  it('derives the endpoint from the origin of --url, whatever its path', () => {
    assert.equal(
      classicUrlOf(new URL('https://h.example:8443/mcp')).href,
      'https://h.example:8443/classic/process',
    );
    assert.equal(classicUrlOf(new URL('http://h/sse?x=1')).href, 'http://h/classic/process');
  });

  it('reads item and summary lines, and turns anything else into an error', () => {
    const item = classicEventOf(
      JSON.stringify({
        type: 'item',
        level: 'info',
        message: 'item 1/2 "a": ok',
        done: 1,
        total: 2,
        status: 'ok',
      }),
    );
    assert.equal(item.kind, 'item');
    const summary = classicEventOf(
      JSON.stringify({ type: 'summary', processed: 1, skipped: 1, failed: 0, total: 2 }),
    );
    assert.equal(summary.kind === 'summary' && summary.text, 'Processed 2 items: 1 ok, 1 skipped, 0 failed.');
    const failed = classicEventOf(JSON.stringify({ type: 'error', message: 'internal error' }));
    assert.deepEqual(failed, { kind: 'error', message: 'server reported: internal error' });
    assert.equal(classicEventOf('{not json').kind, 'error');
  });

  it('maps refusals to exit codes with the server message', () => {
    const url = new URL('http://h/classic/process');
    const body = JSON.stringify({
      jsonrpc: '2.0',
      error: { code: -32602, message: 'items[1]: every item must be a string' },
    });
    assert.deepEqual(classicRefusal(400, body, url), {
      exitCode: EXIT.failed,
      message: 'the server refused the input (HTTP 400): items[1]: every item must be a string',
    });
    assert.equal(classicRefusal(401, '', url).exitCode, EXIT.auth);
    assert.equal(classicRefusal(403, '', url).exitCode, EXIT.auth);
    assert.match(
      classicRefusal(502, '<html>', url).message,
      /^server answered HTTP 502 for http:\/\/h\/classic\/process$/,
    );
  });

  it('accepts --classic for process_items with a key, and refuses what it cannot do', () => {
    const command = parseCallArgs([
      '--url',
      'http://h/mcp',
      '--classic',
      '--api-key',
      'bk_x',
      'process_items',
      'a',
    ]);
    assert.equal(command.kind === 'call' && command.options.classic, true);
    const refused = (argv: string[], mentions: RegExp) =>
      assert.throws(
        () => parseCallArgs(['--url', 'http://h/mcp', '--classic', ...argv]),
        (error: unknown) => error instanceof UsageError && mentions.test(error.message),
      );
    refused(['analyze_documents', 'a'], /process_items only/);
    refused(['--era', 'sse', 'process_items', 'a'], /--classic and --era/);
    refused(['--oauth', 'process_items', 'a'], /--api-key or --token/);
  });

  it('accepts --era sse', () => {
    const command = parseCallArgs(['--url', 'http://h/sse', '--era', 'sse', 'process_items', 'a']);
    assert.equal(command.kind === 'call' && command.options.era, 'sse');
  });
});
