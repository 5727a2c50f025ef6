import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { type CallOptions, type ItemSource, UsageError } from './args.js';

/** Splits text into one item per line. A final newline ends the last item; it does not add an empty one. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/** Resolves the items from wherever the command line said they come from. */
export async function readItems(source: ItemSource, stdin: Readable): Promise<string[]> {
  switch (source.kind) {
    case 'args':
      return source.items;
    case 'stdin':
      return splitLines(await readAll(stdin));
    case 'file':
      try {
        return splitLines(await readFile(source.path, 'utf8'));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'read error';
        throw new UsageError(`--file: cannot read '${source.path}' (${code})`);
      }
  }
}

/**
 * Where each known tool wants its list: `process_items` takes `items`, `analyze_documents` takes
 * `paths`. Any other tool gets exactly `--args`.
 */
const ITEM_FIELD: Record<string, { field: string; required: boolean }> = {
  process_items: { field: 'items', required: true },
  analyze_documents: { field: 'paths', required: false },
};

/** Merges items and `--delay-ms` into the `--args` object, as the tool's input schema expects. */
export function buildToolArguments(options: CallOptions, items: string[]): Record<string, unknown> {
  const args: Record<string, unknown> = { ...options.baseArgs };
  const known = ITEM_FIELD[options.tool];
  if (known === undefined) {
    if (items.length > 0) {
      throw new UsageError(
        `items on the command line are only understood for ${Object.keys(ITEM_FIELD).join(' and ')}; use --args JSON for '${options.tool}'`,
      );
    }
  } else if (items.length > 0) {
    args[known.field] = items;
  } else if (known.required && args[known.field] === undefined) {
    throw new UsageError(
      `${options.tool} needs at least one item: give them as arguments, with --file, or '-' for stdin`,
    );
  }
  if (options.delayMs !== undefined) args.delayMs = options.delayMs;
  return args;
}
