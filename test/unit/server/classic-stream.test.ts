import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeIssue, itemLine, summaryLine } from '../../../src/server/classic-stream.js';
import { processItem, processItemsInputSchema } from '../../../src/server/tools/item-processor.js';

function firstIssue(input: unknown) {
  const result = processItemsInputSchema.safeParse(input);
  assert.equal(result.success, false);
  const issue = result.error?.issues[0];
  assert.ok(issue);
  return issue;
}

describe('classic stream lines', () => {
  it('reads an item line like the info log process_items sends for it', () => {
    const line = itemLine(processItem('hello world', 0), 3);
    assert.equal(line.type, 'item');
    assert.equal(line.level, 'info');
    assert.equal(line.message, 'item 1/3 "hello world": ok');
    assert.deepEqual([line.done, line.total, line.words, line.chars], [1, 3, 2, 11]);
    assert.equal('reason' in line, false);
  });

  it('raises the level and gives the reason for skipped and failed items', () => {
    const skipped = itemLine(processItem('  ', 1), 2);
    assert.equal(skipped.level, 'warning');
    assert.equal(skipped.message, 'item 2/2 "": skipped (only whitespace)');
    const failed = itemLine(processItem('\ud800', 0), 1);
    assert.equal(failed.level, 'error');
    assert.match(failed.reason ?? '', /lone surrogate/);
  });

  it('sums up in the terms of the structured result', () => {
    assert.deepEqual(summaryLine({ ok: 2, skipped: 1, failed: 0 }, 3, 12.6), {
      type: 'summary',
      processed: 2,
      skipped: 1,
      failed: 0,
      total: 3,
      elapsedMs: 13,
    });
  });
});

describe('describeIssue', () => {
  it('names the field first, with the index of a bad item', () => {
    assert.equal(describeIssue(firstIssue({ items: ['a', 1] })), 'items[1]: every item must be a string');
    assert.match(describeIssue(firstIssue({ items: [] })), /^items must hold at least 1 item$/);
    assert.match(describeIssue(firstIssue({ items: ['a'], delayMs: 'soon' })), /^delayMs must be an integer/);
  });

  it('prefixes a message that does not already start with its field', () => {
    assert.equal(
      describeIssue({ code: 'custom', path: ['options', 'mode'], message: 'unknown mode', input: 1 }),
      'options.mode: unknown mode',
    );
    assert.equal(describeIssue({ code: 'custom', path: [], message: 'bad body', input: 1 }), 'bad body');
  });
});
