import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { abortableDelay } from './abortable-delay.js';
import { countWords } from './text-stats.js';

export const MAX_ITEMS = 1000;
/** 64 KiB, measured in UTF-8 bytes: what the item costs on the wire and to hash, not its JS length. */
export const MAX_ITEM_BYTES = 64 * 1024;
export const MAX_DELAY_MS = 10_000;
export const DEFAULT_ITEM_DELAY_MS = 250;
export const PREVIEW_CHARS = 40;

// The MCP tool and the plain HTTP endpoint both parse with these, so their limits cannot drift apart.
// Each message names its field, because a client sees the message before it sees the issue path.
export const itemSchema = z
  .string({ error: 'items: every item must be a string' })
  .refine((item) => Buffer.byteLength(item, 'utf8') <= MAX_ITEM_BYTES, {
    error: `items: every item must be at most ${MAX_ITEM_BYTES} bytes (64 KiB) in UTF-8`,
  });

export const itemsSchema = z
  .array(itemSchema, { error: 'items must be an array of strings' })
  .min(1, { error: 'items must hold at least 1 item' })
  .max(MAX_ITEMS, { error: `items must hold at most ${MAX_ITEMS} items` })
  .describe(`The texts to process, 1 to ${MAX_ITEMS}, each at most 64 KiB in UTF-8.`);

/** `delayMs`: an integer pause before each item, 0 to 10000 ms. Each tool picks its own default. */
export function delayMsSchema(defaultMs: number) {
  const error = `delayMs must be an integer from 0 to ${MAX_DELAY_MS}`;
  return z
    .number({ error })
    .int({ error })
    .min(0, { error })
    .max(MAX_DELAY_MS, { error })
    .default(defaultMs)
    .describe(`Pause before each entry in milliseconds (0 to ${MAX_DELAY_MS}, default ${defaultMs}).`);
}

export const processItemsInputSchema = z.object({
  items: itemsSchema,
  delayMs: delayMsSchema(DEFAULT_ITEM_DELAY_MS),
});
export type ProcessItemsInput = z.infer<typeof processItemsInputSchema>;

export const ITEM_STATUSES = ['ok', 'skipped', 'failed'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

/** What happened to one item. Measures are null when the item was not processed. */
export interface ItemEvent {
  /** 0-based position in the input array. */
  index: number;
  status: ItemStatus;
  /** Unicode code points (an emoji is 1, not 2). */
  chars: number | null;
  words: number | null;
  /** Lowercase hex SHA-256 of the item's UTF-8 bytes. */
  sha256: string | null;
  /** Why the item was skipped or failed. */
  reason?: string;
  /** At most PREVIEW_CHARS code points, whitespace collapsed, safe to put in a log line. */
  preview: string;
  /** Time spent on the item itself, without the delay before it. */
  ms: number;
}

/**
 * Matches a surrogate half that is not part of a pair: with the `u` flag a proper pair is read as
 * one astral code point, so only lone halves match. It is the test `String.prototype.isWellFormed`
 * makes; that method is not in the ES2023 library this project compiles against.
 */
const LONE_SURROGATE = /\p{Surrogate}/u;
const LONE_SURROGATES = /\p{Surrogate}/gu;
const WHITESPACE_RUN = /\s+/gu;

export function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** A one-line, well-formed excerpt of at most PREVIEW_CHARS code points, ending in … when cut. */
export function previewOf(text: string): string {
  const flat = text.replace(LONE_SURROGATES, '\uFFFD').replace(WHITESPACE_RUN, ' ').trim();
  const points: string[] = [];
  for (const point of flat) {
    if (points.length === PREVIEW_CHARS) return `${points.slice(0, -1).join('').trimEnd()}…`;
    points.push(point);
  }
  return flat;
}

/** Measures one item. Pure apart from the clock. */
export function processItem(item: string, index: number): ItemEvent {
  const started = performance.now();
  const preview = previewOf(item);
  const finish = (event: Omit<ItemEvent, 'index' | 'preview' | 'ms'>): ItemEvent => ({
    index,
    ...event,
    preview,
    ms: Math.round((performance.now() - started) * 100) / 100,
  });

  if (LONE_SURROGATE.test(item)) {
    // Its UTF-8 form would silently carry U+FFFD, so any hash of it would describe other text.
    return finish({
      status: 'failed',
      chars: null,
      words: null,
      sha256: null,
      reason: 'not well-formed Unicode: it contains a lone surrogate code unit',
    });
  }
  if (item.trim() === '') {
    return finish({
      status: 'skipped',
      chars: countCodePoints(item),
      words: 0,
      sha256: null,
      reason: item === '' ? 'empty' : 'only whitespace',
    });
  }
  return finish({
    status: 'ok',
    chars: countCodePoints(item),
    words: countWords(item),
    sha256: createHash('sha256').update(item, 'utf8').digest('hex'),
  });
}

/**
 * Processes items one at a time and yields one event per item, for any transport to render
 * (MCP notifications, one NDJSON line per item). Before each item it waits `delayMs`.
 *
 * Cancellation: when `signal` fires, the pending wait ends at once and the generator throws
 * `signal.reason`; it checks again every time it resumes, so no item starts after the abort.
 */
export async function* processItems(
  items: readonly string[],
  opts: { delayMs: number; signal: AbortSignal },
): AsyncGenerator<ItemEvent, void, undefined> {
  for (const [index, item] of items.entries()) {
    await abortableDelay(opts.delayMs, opts.signal);
    yield processItem(item, index);
  }
}
