import { constants, createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { type DocumentType, detectType, typeFromName } from './document-type.js';
import type { ItemStatus } from './item-processor.js';
import { TextStats } from './text-stats.js';

/** What happened to one file. Measures are null when the file was not (fully) read. */
export interface FileEvent {
  /** As the client gave it, or as listed relative to the data directory. */
  path: string;
  status: ItemStatus;
  /** The size on disk; null if the file could not even be opened. */
  bytes: number | null;
  lines: number | null;
  words: number | null;
  sha256: string | null;
  /** From the name alone when the content was not read. */
  type: DocumentType;
  reason?: string;
  /** Time spent on the file itself, without the delay before it. */
  ms: number;
}

export interface AnalyzeFileOptions {
  maxFileBytes: number;
  signal: AbortSignal;
  /** Read size; tests lower it to put chunk boundaries where they want them. */
  chunkBytes?: number;
}

// O_NOFOLLOW: a link swapped in after the path check is refused by the kernel, not followed.
// O_NONBLOCK: a FIFO swapped in would otherwise hang the open; regular files ignore the flag.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

function errorSummary(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Streams one already-vetted file (see safe-path.ts) through the counters. The size limit is
 * checked with `fstat` on the opened descriptor before a single byte is read, so an oversized
 * file costs one system call; the read is also capped one byte past the limit, so a file that
 * grows meanwhile is still never read beyond it. Cancellation rejects with `signal.reason`;
 * every other problem becomes a `failed` event with a reason.
 */
export async function analyzeFile(
  path: string,
  absolute: string,
  opts: AnalyzeFileOptions,
): Promise<FileEvent> {
  const started = performance.now();
  const done = (event: Omit<FileEvent, 'path' | 'ms'>): FileEvent => ({
    path,
    ...event,
    ms: Math.round((performance.now() - started) * 100) / 100,
  });
  const unread = { lines: null, words: null, sha256: null, type: typeFromName(path) };
  opts.signal.throwIfAborted();

  let handle: FileHandle;
  try {
    handle = await open(absolute, OPEN_FLAGS);
  } catch (error) {
    return done({ status: 'failed', bytes: null, ...unread, reason: `cannot open: ${errorSummary(error)}` });
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      return done({ status: 'failed', bytes: null, ...unread, reason: 'not a regular file' });
    }
    if (stats.size > opts.maxFileBytes) {
      return done({
        status: 'failed',
        bytes: stats.size,
        ...unread,
        reason: `${stats.size} bytes is over the limit of ${opts.maxFileBytes} bytes`,
      });
    }
    if (stats.size === 0) return done({ status: 'skipped', bytes: 0, ...unread, reason: 'empty' });

    const counter = new TextStats();
    let type: DocumentType | undefined;
    const stream = createReadStream(absolute, {
      fd: handle,
      autoClose: false,
      start: 0,
      end: opts.maxFileBytes, // inclusive: one byte past the limit is enough to notice growth
      signal: opts.signal,
      ...(opts.chunkBytes === undefined ? {} : { highWaterMark: opts.chunkBytes }),
    });
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        type ??= detectType(path, chunk);
        counter.update(chunk);
      }
    } catch (error) {
      opts.signal.throwIfAborted();
      return done({
        status: 'failed',
        bytes: stats.size,
        ...unread,
        reason: `read failed: ${errorSummary(error)}`,
      });
    }
    const result = counter.finish();
    if (result.bytes > opts.maxFileBytes) {
      return done({
        status: 'failed',
        bytes: result.bytes,
        ...unread,
        reason: `grew past the limit of ${opts.maxFileBytes} bytes while being read`,
      });
    }
    return done({ status: 'ok', ...result, type: type ?? typeFromName(path) });
  } finally {
    await handle.close();
  }
}
