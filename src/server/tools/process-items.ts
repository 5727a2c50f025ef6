import { z } from 'zod';
import { ITEM_STATUSES, type ItemEvent, processItems, processItemsInputSchema } from './item-processor.js';
import type { Notifier, ToolDefinition } from './tool.js';

export const processItemsOutputSchema = z.object({
  processed: z.number().int().nonnegative().describe('Items processed successfully.'),
  skipped: z.number().int().nonnegative().describe('Empty or whitespace-only items.'),
  failed: z.number().int().nonnegative().describe('Items that could not be processed.'),
  items: z.array(
    z.object({
      index: z.number().int().nonnegative().describe('0-based position in the input.'),
      status: z.enum(ITEM_STATUSES),
      chars: z.number().int().nonnegative().nullable().describe('Unicode code points; null if failed.'),
      words: z
        .number()
        .int()
        .nonnegative()
        .nullable()
        .describe('Whitespace-separated words; null if failed.'),
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .nullable()
        .describe('Hex SHA-256 of the UTF-8 bytes; null unless ok.'),
      reason: z.string().optional().describe('Why the item was skipped or failed.'),
    }),
  ),
});
export type ProcessItemsOutput = z.infer<typeof processItemsOutputSchema>;
type ItemResult = ProcessItemsOutput['items'][number];

/** How many skipped or failed items the text summary lists by name before it just counts. */
const LISTED_PROBLEMS = 10;

/**
 * Notifications for one finished item, always in this order: `info` naming it, then a `warning`
 * (skipped) or an `error` (failed), then `debug` details, then progress. Progress comes last so
 * `done` never counts an item whose messages are still on their way.
 */
async function report(event: ItemEvent, total: number, notify: Notifier): Promise<void> {
  const label = `item ${event.index + 1}/${total}`;
  await notify.log('info', `${label} "${event.preview}": ${event.status}`);
  if (event.status === 'skipped') await notify.log('warning', `${label} is ${event.reason}; skipped`);
  if (event.status === 'failed') await notify.log('error', `${label} failed: ${event.reason}`);
  await notify.log('debug', {
    item: event.index + 1,
    sha256: event.sha256,
    chars: event.chars,
    words: event.words,
    ms: event.ms,
  });
  await notify.progress(event.index + 1, total, `${label} ${event.status}`);
}

function toResult({ index, status, chars, words, sha256, reason }: ItemEvent): ItemResult {
  return reason === undefined
    ? { index, status, chars, words, sha256 }
    : { index, status, chars, words, sha256, reason };
}

function summarise(output: ProcessItemsOutput): string {
  const { processed, skipped, failed, items } = output;
  const lines = [
    `Processed ${items.length} item${items.length === 1 ? '' : 's'}: ${processed} ok, ${skipped} skipped, ${failed} failed.`,
  ];
  const problems = items.filter((item) => item.status !== 'ok');
  for (const item of problems.slice(0, LISTED_PROBLEMS)) {
    lines.push(`- item ${item.index + 1} ${item.status}: ${item.reason}`);
  }
  if (problems.length > LISTED_PROBLEMS) lines.push(`- and ${problems.length - LISTED_PROBLEMS} more`);
  return lines.join('\n');
}

/**
 * `process_items`: counts code points and words and hashes each item, pausing `delayMs` before each
 * one and telling the client about every item as it finishes. A cancelled call stops within one
 * item and rejects with the signal's reason; the result of a cancelled request is discarded anyway.
 */
export function createProcessItemsTool(): ToolDefinition<
  typeof processItemsInputSchema,
  typeof processItemsOutputSchema
> {
  return {
    name: 'process_items',
    title: 'Process items',
    description:
      'Counts Unicode characters and words and computes the SHA-256 of each text, one at a time, ' +
      'reporting progress and a log message for every item as it goes.',
    inputSchema: processItemsInputSchema,
    outputSchema: processItemsOutputSchema,
    async run({ items, delayMs }, { signal, notify }) {
      const results: ItemResult[] = [];
      for await (const event of processItems(items, { delayMs, signal })) {
        await report(event, items.length, notify);
        results.push(toResult(event));
      }
      const count = (status: ItemResult['status']) => results.filter((r) => r.status === status).length;
      const structured: ProcessItemsOutput = {
        processed: count('ok'),
        skipped: count('skipped'),
        failed: count('failed'),
        items: results,
      };
      return { text: summarise(structured), structured };
    },
  };
}
