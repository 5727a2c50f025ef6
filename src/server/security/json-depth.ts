const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether a JSON text nests arrays and objects deeper than `maxDepth`, read from the raw bytes
 * before it is parsed.
 *
 * Deep nesting is cheap to send and costly to handle: the parser accepts any depth, but every
 * later step that walks the value recursively (the SDK's schema checks, re-serialising it for the
 * event store or a log line) overflows the stack somewhere past a few thousand levels. Counting
 * brackets outside strings is one pass with no allocation, so the refusal costs less than parsing.
 * Malformed text is not judged here: the parser refuses it next.
 */
export function jsonDepthExceeds(text: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const byte = text[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      depth++;
      if (depth > maxDepth) return true;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}
