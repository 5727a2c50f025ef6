import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import {
  type ItemEvent,
  MAX_ITEM_BYTES,
  PREVIEW_CHARS,
  previewOf,
  processItem,
  processItems,
  processItemsInputSchema,
} from '../../../../src/server/tools/item-processor.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

async function collect(items: string[], delayMs: number, signal = new AbortController().signal) {
  const events: ItemEvent[] = [];
  for await (const event of processItems(items, { delayMs, signal })) events.push(event);
  return events;
}

function messagesOf(input: unknown): string[] {
  const result = processItemsInputSchema.safeParse(input);
  assert.equal(result.success, false, 'expected the input to be rejected');
  return result.error?.issues.map((issue) => issue.message) ?? [];
}

describe('processItem', () => {
  it('measures code points, words and the SHA-256 of the UTF-8 bytes', () => {
    const event = processItem('héllo wörld 😀', 4);
    assert.equal(event.index, 4);
    assert.equal(event.status, 'ok');
    assert.equal(event.chars, 13);
    assert.equal(event.words, 3);
    assert.equal(event.sha256, sha256('héllo wörld 😀'));
    assert.equal(
      processItem('abc', 0).sha256,
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    assert.equal(event.reason, undefined);
  });

  it('skips an empty or whitespace-only item without hashing it', () => {
    assert.deepEqual(
      { ...processItem('', 0), ms: 0 },
      { index: 0, status: 'skipped', chars: 0, words: 0, sha256: null, reason: 'empty', preview: '', ms: 0 },
    );
    const blank = processItem(' \n\t\u00a0', 1);
    assert.equal(blank.status, 'skipped');
    assert.equal(blank.chars, 4);
    assert.equal(blank.reason, 'only whitespace');
  });

  it('fails an item with a lone surrogate, and accepts a proper pair', () => {
    for (const bad of ['a\ud800b', 'end\udfff', '\ude00\ud83d']) {
      const event = processItem(bad, 0);
      assert.equal(event.status, 'failed', JSON.stringify(bad));
      assert.match(event.reason ?? '', /lone surrogate/);
      assert.equal(event.sha256, null);
      assert.equal(event.preview.includes('\ufffd'), true, 'preview stays well-formed');
    }
    assert.equal(processItem('\ud83d\ude00', 0).status, 'ok');
  });
});

describe('previewOf', () => {
  it('keeps short text, collapsing whitespace to single spaces', () => {
    assert.equal(previewOf('  two\n\nlines\there  '), 'two lines here');
  });

  it('cuts at 40 code points with an ellipsis, never splitting a surrogate pair', () => {
    const long = '😀'.repeat(100);
    const preview = previewOf(long);
    assert.equal(Array.from(preview).length, PREVIEW_CHARS);
    assert.equal(preview.endsWith('…'), true);
    assert.equal(preview.startsWith('😀'.repeat(PREVIEW_CHARS - 1)), true);
    assert.equal(Array.from(previewOf('x'.repeat(PREVIEW_CHARS))).length, PREVIEW_CHARS);
    assert.equal(previewOf('x'.repeat(PREVIEW_CHARS)).endsWith('…'), false);
  });
});

describe('processItemsInputSchema', () => {
  it('defaults delayMs to 250 and keeps the items', () => {
    assert.deepEqual(processItemsInputSchema.parse({ items: ['a'] }), { items: ['a'], delayMs: 250 });
  });

  it('takes 1 to 1000 items and says so naming the field', () => {
    assert.deepEqual(messagesOf({ items: [] }), ['items must hold at least 1 item']);
    assert.deepEqual(messagesOf({ items: Array(1001).fill('x') }), ['items must hold at most 1000 items']);
    assert.equal(processItemsInputSchema.safeParse({ items: Array(1000).fill('x') }).success, true);
    assert.deepEqual(messagesOf({ items: 'abc' }), ['items must be an array of strings']);
    assert.deepEqual(messagesOf({ items: ['a', 3] }), ['items: every item must be a string']);
  });

  it('limits each item to 64 KiB measured in UTF-8 bytes, not string length', () => {
    assert.equal(processItemsInputSchema.safeParse({ items: ['a'.repeat(MAX_ITEM_BYTES)] }).success, true);
    assert.deepEqual(messagesOf({ items: ['a'.repeat(MAX_ITEM_BYTES + 1)] }), [
      'items: every item must be at most 65536 bytes (64 KiB) in UTF-8',
    ]);
    // 21846 characters, but 3 bytes each: 65538 bytes.
    const euros = '€'.repeat(21_846);
    assert.equal(euros.length < MAX_ITEM_BYTES, true);
    assert.equal(processItemsInputSchema.safeParse({ items: [euros] }).success, false);
  });

  it('takes delayMs as an integer from 0 to 10000', () => {
    for (const ok of [0, 10_000]) {
      assert.equal(processItemsInputSchema.safeParse({ items: ['a'], delayMs: ok }).success, true);
    }
    for (const bad of [-1, 10_001, 1.5, '5']) {
      assert.deepEqual(messagesOf({ items: ['a'], delayMs: bad }), [
        'delayMs must be an integer from 0 to 10000',
      ]);
    }
  });
});

describe('processItems', () => {
  it('yields one event per item, in order', async () => {
    const events = await collect(['a b', '', 'c\ud800'], 0);
    assert.deepEqual(
      events.map((e) => [e.index, e.status]),
      [
        [0, 'ok'],
        [1, 'skipped'],
        [2, 'failed'],
      ],
    );
  });

  it('waits delayMs before each item', async () => {
    const started = performance.now();
    await collect(['a', 'b', 'c'], 40);
    // Timers may fire a millisecond early by the performance clock.
    assert.ok(performance.now() - started >= 3 * 40 - 3, 'three delays of 40 ms');
  });

  it('yields nothing when the signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(collect(['a', 'b'], 0, controller.signal), { name: 'AbortError' });
  });

  it('stops a long delay as soon as the signal fires, with the reason given to abort()', async () => {
    const controller = new AbortController();
    const reason = new Error('client went away');
    setTimeout(() => controller.abort(reason), 30);
    const started = performance.now();
    await assert.rejects(collect(['a', 'b'], 10_000, controller.signal), (error) => error === reason);
    assert.ok(performance.now() - started < 1000, 'did not wait out the 10 s delay');
  });

  it('never processes another item once the signal fires', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const run = async () => {
      for await (const event of processItems(['a', 'b', 'c', 'd'], {
        delayMs: 0,
        signal: controller.signal,
      })) {
        seen.push(event.index);
        if (event.index === 1) controller.abort();
      }
    };
    await assert.rejects(run(), { name: 'AbortError' });
    assert.deepEqual(seen, [0, 1]);
  });
});
