/**
 * The lean receiving side of the throughput scenario. It does not parse SSE or JSON: it counts
 * occurrences of the JSON-RPC notification marker in the raw bytes, so the client costs as little
 * CPU as possible and the server stays the bottleneck. Every target serialises with
 * JSON.stringify, so the marker is byte-identical everywhere.
 */
export const ANY_NOTIFICATION = '"method":"notifications/';
export const PROGRESS_NOTIFICATION = '"method":"notifications/progress"';

function occurrences(haystack: Buffer, needle: Buffer): number {
  let count = 0;
  let at = haystack.indexOf(needle);
  while (at !== -1) {
    count += 1;
    at = haystack.indexOf(needle, at + needle.length);
  }
  return count;
}

export class NotificationCounter {
  readonly #marker: Buffer;
  #count = 0;
  /** The last (marker length − 1) bytes seen: a marker split across two chunks is found at the seam. */
  #tail: Buffer = Buffer.alloc(0);

  /** Counts `marker` (by default any JSON-RPC notification) as raw bytes. */
  constructor(marker: string = ANY_NOTIFICATION) {
    this.#marker = Buffer.from(marker);
  }

  get count(): number {
    return this.#count;
  }

  /** Feeds one chunk; returns how many markers it completed. */
  push(chunk: Buffer): number {
    const before = this.#count;
    const keep = this.#marker.length - 1;
    // A match in the seam always includes bytes from both sides (each side is shorter than the
    // marker), so nothing is counted twice.
    if (this.#tail.length > 0) {
      this.#count += occurrences(Buffer.concat([this.#tail, chunk.subarray(0, keep)]), this.#marker);
    }
    this.#count += occurrences(chunk, this.#marker);
    this.#tail =
      chunk.length >= keep
        ? chunk.subarray(chunk.length - keep)
        : Buffer.concat([this.#tail, chunk]).subarray(-keep);
    return this.#count - before;
  }
}

/**
 * Finds emit stamps (`@t=<process.hrtime.bigint() in ns>`) in a byte stream, however it is split
 * into chunks. A stamp is only read once the line it sits on is complete, so a number cut in two
 * by a chunk boundary is never read short.
 */
export class StampReader {
  #pending = '';

  /** The stamps, in nanoseconds, whose lines this chunk completed. */
  push(chunk: Buffer): bigint[] {
    const text = this.#pending + chunk.toString('latin1');
    const cut = text.lastIndexOf('\n') + 1;
    this.#pending = text.slice(cut);
    const stamps: bigint[] = [];
    for (const match of text.slice(0, cut).matchAll(/@t=(\d+)/g)) stamps.push(BigInt(match[1] as string));
    return stamps;
  }
}

/** Appends an emit stamp to a notification message; the latency client reads it back. */
export function withEmitStamp(message: string): string {
  return `${message} @t=${process.hrtime.bigint()}`;
}
