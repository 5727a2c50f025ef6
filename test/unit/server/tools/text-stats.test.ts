import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { countWords, TextStats } from '../../../../src/server/tools/text-stats.js';

function statsOf(chunks: Uint8Array[]) {
  const stats = new TextStats();
  for (const chunk of chunks) stats.update(chunk);
  return stats.finish();
}

describe('countWords', () => {
  it('counts runs of non-whitespace, with Unicode spaces as separators', () => {
    assert.equal(countWords(''), 0);
    assert.equal(countWords('  \n\t '), 0);
    assert.equal(countWords('one two  three\nfour'), 4);
    assert.equal(countWords('a\u00a0b\u3000c'), 3);
    assert.equal(countWords('naïve café 😀'), 3);
  });
});

describe('TextStats', () => {
  it('counts bytes, lines and words and hashes the bytes', () => {
    const text = 'first line\nsecond line\n';
    const result = statsOf([Buffer.from(text)]);
    assert.deepEqual(result, {
      bytes: 23,
      lines: 2,
      words: 4,
      sha256: createHash('sha256').update(text).digest('hex'),
    });
  });

  it('counts a last line without a newline, and nothing for no bytes', () => {
    assert.equal(statsOf([Buffer.from('a\nb')]).lines, 2);
    assert.equal(statsOf([Buffer.from('\n')]).lines, 1);
    assert.deepEqual(statsOf([]), {
      bytes: 0,
      lines: 0,
      words: 0,
      sha256: createHash('sha256').digest('hex'),
    });
  });

  it('gives the same counts for every place a chunk boundary can fall', () => {
    // Words and multi-byte characters (2, 3 and 4 bytes) that a boundary can split.
    const bytes = Buffer.from('héllo wörld\n€uro  😀smile\r\nend\u00a0tail word');
    const whole = statsOf([bytes]);
    assert.equal(whole.words, 7);
    assert.equal(whole.lines, 3);
    for (let cut = 0; cut <= bytes.length; cut++) {
      assert.deepEqual(statsOf([bytes.subarray(0, cut), bytes.subarray(cut)]), whole, `cut at byte ${cut}`);
    }
    const oneByteChunks = Array.from(bytes, (byte) => Uint8Array.of(byte));
    assert.deepEqual(statsOf(oneByteChunks), whole);
  });

  it('does not join words that a chunk boundary separates at a space', () => {
    assert.equal(statsOf([Buffer.from('one '), Buffer.from('two')]).words, 2);
    assert.equal(statsOf([Buffer.from('one'), Buffer.from(' two')]).words, 2);
    assert.equal(statsOf([Buffer.from('on'), Buffer.from('e two')]).words, 2);
  });

  it('treats bytes that are not UTF-8 as word characters', () => {
    assert.equal(statsOf([Uint8Array.of(0xff, 0xfe, 0x20, 0x41)]).words, 2);
  });
});
