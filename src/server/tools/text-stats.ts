import { createHash } from 'node:crypto';

/** A word is a maximal run of non-whitespace code points (Unicode whitespace, as `\s` defines it). */
const WORD = /\S+/gu;
const STARTS_IN_WORD = /^\S/u;
const ENDS_IN_WORD = /\S$/u;
const NEWLINE = 0x0a;

/** Counts words in a whole string, with the same rule the streaming counter uses. */
export function countWords(text: string): number {
  return text.match(WORD)?.length ?? 0;
}

export interface TextStatsResult {
  bytes: number;
  /** Newline characters, plus one for a last line that has no newline (so "a\nb" has 2 lines). */
  lines: number;
  words: number;
  /** Lowercase hex SHA-256 of the raw bytes. */
  sha256: string;
}

/**
 * Counts bytes, lines and words and hashes a byte stream fed one chunk at a time, so a file is
 * never held in memory whole. Chunk boundaries fall anywhere: a word or a multi-byte UTF-8
 * character split across two chunks is still counted once, because the decoder keeps the
 * incomplete bytes and the word state carries over. Bytes that are not valid UTF-8 decode to
 * U+FFFD and so count as part of a word, as any other non-space character would.
 */
export class TextStats {
  readonly #hash = createHash('sha256');
  readonly #decoder = new TextDecoder('utf-8');
  #bytes = 0;
  #newlines = 0;
  #lastByte = -1;
  #words = 0;
  #inWord = false;

  update(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#bytes += chunk.length;
    this.#hash.update(chunk);
    // 0x0A never occurs inside a multi-byte UTF-8 sequence, so counting raw bytes is exact.
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) this.#newlines++;
    this.#lastByte = chunk[chunk.length - 1] ?? -1;
    this.#countText(this.#decoder.decode(chunk, { stream: true }));
  }

  finish(): TextStatsResult {
    this.#countText(this.#decoder.decode());
    const unterminated = this.#bytes > 0 && this.#lastByte !== NEWLINE ? 1 : 0;
    return {
      bytes: this.#bytes,
      lines: this.#newlines + unterminated,
      words: this.#words,
      sha256: this.#hash.digest('hex'),
    };
  }

  #countText(text: string): void {
    if (text.length === 0) return;
    let words = countWords(text);
    // A run that began in the previous chunk and goes on here is one word, not two.
    if (this.#inWord && STARTS_IN_WORD.test(text)) words--;
    this.#words += words;
    this.#inWord = ENDS_IN_WORD.test(text);
  }
}
