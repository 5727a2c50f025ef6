import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { processItemsInputSchema } from '../../../../src/server/tools/item-processor.js';
import {
  createProcessItemsTool,
  processItemsOutputSchema,
} from '../../../../src/server/tools/process-items.js';
import { RecordingNotifier } from './recording-notifier.js';

const tool = createProcessItemsTool();

function call(items: string[], delayMs = 0, signal = new AbortController().signal) {
  const notify = new RecordingNotifier();
  return { notify, result: tool.run({ items, delayMs }, { signal, notify }) };
}

describe('process_items', () => {
  it('is registered under its contract name with both schemas', () => {
    assert.equal(tool.name, 'process_items');
    assert.equal(tool.inputSchema, processItemsInputSchema);
    assert.equal(tool.outputSchema, processItemsOutputSchema);
    // The SDK advertises both in tools/list through Standard JSON Schema.
    const input = tool.inputSchema['~standard'].jsonSchema.input({ target: 'draft-2020-12' });
    assert.deepEqual(input.required, ['items']);
    const output = tool.outputSchema['~standard'].jsonSchema.output({ target: 'draft-2020-12' });
    assert.deepEqual(output.required, ['processed', 'skipped', 'failed', 'items']);
  });

  it('sends info, debug and progress for each item, in that order', async () => {
    const { notify, result } = call(['alpha beta', 'gamma']);
    await result;
    assert.deepEqual(notify.kinds(), ['info', 'debug', 'progress', 'info', 'debug', 'progress']);
    assert.deepEqual(notify.logs('info'), ['item 1/2 "alpha beta": ok', 'item 2/2 "gamma": ok']);
    assert.deepEqual(notify.logs('debug')[0], {
      item: 1,
      sha256: createHash('sha256').update('alpha beta').digest('hex'),
      chars: 10,
      words: 2,
      ms: (notify.logs('debug')[0] as { ms: number }).ms,
    });
    assert.deepEqual(
      notify.progressNotes().map(({ done, total, message }) => [done, total, message]),
      [
        [1, 2, 'item 1/2 ok'],
        [2, 2, 'item 2/2 ok'],
      ],
    );
  });

  it('warns about an empty item and reports an error for a failed one', async () => {
    const { notify, result } = call(['ok', '   ', 'bad\ud800']);
    const { structured, text } = await result;
    assert.deepEqual(notify.kinds(), [
      ...['info', 'debug', 'progress'],
      ...['info', 'warning', 'debug', 'progress'],
      ...['info', 'error', 'debug', 'progress'],
    ]);
    assert.deepEqual(notify.logs('warning'), ['item 2/3 is only whitespace; skipped']);
    assert.deepEqual(notify.logs('error'), [
      'item 3/3 failed: not well-formed Unicode: it contains a lone surrogate code unit',
    ]);
    assert.deepEqual(
      { ...structured, items: structured.items.map(({ index, status }) => ({ index, status })) },
      {
        processed: 1,
        skipped: 1,
        failed: 1,
        items: [
          { index: 0, status: 'ok' },
          { index: 1, status: 'skipped' },
          { index: 2, status: 'failed' },
        ],
      },
    );
    assert.match(text, /^Processed 3 items: 1 ok, 1 skipped, 1 failed\./);
    assert.match(text, /item 3 failed: not well-formed Unicode/);
  });

  it('returns structured content that its own outputSchema accepts', async () => {
    const { result } = call(['one two three', '', '😀\ud800']);
    const { structured } = await result;
    assert.deepEqual(processItemsOutputSchema.parse(structured), structured);
    assert.deepEqual(structured.items[0], {
      index: 0,
      status: 'ok',
      chars: 13,
      words: 3,
      sha256: createHash('sha256').update('one two three').digest('hex'),
    });
    assert.deepEqual(structured.items[1], {
      index: 1,
      status: 'skipped',
      chars: 0,
      words: 0,
      sha256: null,
      reason: 'empty',
    });
    assert.equal(structured.items[2]?.chars, null);
  });

  it('names the item by a short preview in its info message', async () => {
    const { notify, result } = call([`${'word '.repeat(20)}end`]);
    await result;
    const [info] = notify.logs('info') as string[];
    const preview = /"(.*)"/.exec(info ?? '')?.[1] ?? '';
    assert.equal(Array.from(preview).length <= 40, true);
    assert.equal(preview.endsWith('…'), true);
  });

  it('stops within one item when cancelled, and rejects', async () => {
    const controller = new AbortController();
    const { notify, result } = call(Array(10).fill('x'), 0, controller.signal);
    notify.onNote = (note) => {
      if (note.kind === 'progress' && note.done === 3) controller.abort();
    };
    await assert.rejects(result, { name: 'AbortError' });
    assert.equal(notify.progressNotes().length, 3);
    assert.equal(notify.logs('info').length, 3);
  });

  it('honours delayMs, and a cancel cuts the delay short', async () => {
    let started = performance.now();
    await call(['a', 'b'], 50).result;
    assert.ok(performance.now() - started >= 2 * 50 - 3);

    const controller = new AbortController();
    const { notify, result } = call(['a', 'b'], 5_000, controller.signal);
    started = performance.now();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(result, { name: 'AbortError' });
    assert.ok(performance.now() - started < 1_000);
    assert.equal(notify.notes.length, 0);
  });
});
