import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { abortableDelay } from './abortable-delay.js';
import { analyzeFile, type FileEvent } from './document-analyzer.js';
import { DOCUMENT_TYPES } from './document-type.js';
import { delayMsSchema, ITEM_STATUSES, MAX_ITEMS } from './item-processor.js';
import { checkSafePath, MAX_PATH_CHARS } from './safe-path.js';
import { type Notifier, type ToolDefinition, ToolInputError } from './tool.js';

export const analyzeDocumentsInputSchema = z.object({
  paths: z
    .array(
      z
        .string({ error: 'paths: every path must be a string' })
        .max(MAX_PATH_CHARS, { error: `paths: every path must be at most ${MAX_PATH_CHARS} characters` }),
      { error: 'paths must be an array of strings' },
    )
    .min(1, { error: 'paths must hold at least 1 path (leave it out to analyze every file)' })
    .max(MAX_ITEMS, { error: `paths must hold at most ${MAX_ITEMS} paths` })
    .optional()
    .describe('Files relative to the data directory. Leave out to analyze every file in it.'),
  delayMs: delayMsSchema(0),
});
export type AnalyzeDocumentsInput = z.infer<typeof analyzeDocumentsInputSchema>;

const count = z.number().int().nonnegative();
export const analyzeDocumentsOutputSchema = z.object({
  analyzed: count.describe('Files read and measured.'),
  skipped: count.describe('Empty files.'),
  failed: count.describe('Files that could not be read, e.g. over the size limit.'),
  files: z.array(
    z.object({
      path: z.string().describe('Relative to the data directory.'),
      status: z.enum(ITEM_STATUSES),
      bytes: count.nullable().describe('Size in bytes; null if the file could not be opened.'),
      lines: count.nullable(),
      words: count.nullable(),
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .nullable(),
      type: z.enum(DOCUMENT_TYPES).describe('From the extension, checked against the first bytes.'),
      reason: z.string().optional().describe('Why the file was skipped or failed.'),
    }),
  ),
});
export type AnalyzeDocumentsOutput = z.infer<typeof analyzeDocumentsOutputSchema>;
type FileResult = AnalyzeDocumentsOutput['files'][number];

export interface AnalyzeDocumentsOptions {
  /** The read-only data directory every path is relative to. */
  dataDir: string;
  /** Larger files fail without being read. */
  maxFileBytes: number;
  /** Most files one call may analyze, listed or named. */
  maxFiles: number;
}

/** A file to analyze: the path shown to the client, and where it really is. */
export interface FileTarget {
  path: string;
  absolute: string;
}

/**
 * Every regular file under `root`, depth first with each folder's entries sorted by name (code
 * unit order, independent of locale), at most `limit` of them. Links, devices and FIFOs are left
 * out and never followed. These paths come from the file system rather than from a client, and the
 * reader still opens them with O_NOFOLLOW.
 */
export async function listDataFiles(
  root: string,
  limit: number,
  signal: AbortSignal,
): Promise<{ targets: FileTarget[]; truncated: boolean }> {
  const targets: FileTarget[] = [];
  let truncated = false;
  const walk = async (folder: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(join(root, folder), { withFileTypes: true });
    } catch (error) {
      // Node's own message carries the absolute path, which is not the client's business.
      const code = error instanceof Error && 'code' in error ? String(error.code) : 'unknown error';
      throw new Error(`cannot list "${folder || '.'}" in the data directory (${code})`);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      signal.throwIfAborted();
      if (truncated) return;
      const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory()) {
        await walk(path);
      } else if (entry.isFile()) {
        if (targets.length === limit) truncated = true;
        else targets.push({ path, absolute: join(root, path) });
      }
    }
  };
  await walk('');
  return { targets, truncated };
}

/** Checks every client path before any file is read: one unsafe path fails the whole call. */
async function vetPaths(root: string, paths: readonly string[], maxFiles: number): Promise<FileTarget[]> {
  if (paths.length > maxFiles) {
    throw new ToolInputError(`paths: at most ${maxFiles} files per call on this server, got ${paths.length}`);
  }
  const targets: FileTarget[] = [];
  for (const path of paths) {
    const verdict = await checkSafePath(root, path);
    if (!verdict.ok) throw new ToolInputError(`unsafe path ${JSON.stringify(path)}: ${verdict.reason}`);
    targets.push({ path, absolute: verdict.absolute });
  }
  return targets;
}

/** Same order and levels as process_items: info, then warning or error, then debug, then progress. */
async function report(event: FileEvent, done: number, total: number, notify: Notifier): Promise<void> {
  const label = `file ${done}/${total} ${event.path}`;
  const measured =
    event.status === 'ok' ? ` (${event.bytes} bytes, ${event.lines} lines, ${event.type})` : '';
  await notify.log('info', `${label}: ${event.status}${measured}`);
  if (event.status === 'skipped') await notify.log('warning', `${label} is ${event.reason}; skipped`);
  if (event.status === 'failed') await notify.log('error', `${label} failed: ${event.reason}`);
  const { path, bytes, lines, words, sha256, type, ms } = event;
  await notify.log('debug', { path, sha256, bytes, lines, words, type, ms });
  await notify.progress(done, total, `file ${done}/${total} ${event.status}`);
}

function toResult({ path, status, bytes, lines, words, sha256, type, reason }: FileEvent): FileResult {
  const result: FileResult = { path, status, bytes, lines, words, sha256, type };
  return reason === undefined ? result : { ...result, reason };
}

function summarise(output: AnalyzeDocumentsOutput, truncatedAt: number | undefined): string {
  const { analyzed, skipped, failed, files } = output;
  const lines = [
    `Analyzed ${files.length} file${files.length === 1 ? '' : 's'}: ${analyzed} ok, ${skipped} skipped, ${failed} failed.`,
  ];
  if (truncatedAt !== undefined)
    lines.push(`Stopped listing at ${truncatedAt} files; name paths to see others.`);
  for (const file of files) {
    const detail =
      file.status === 'ok'
        ? `${file.type}, ${file.bytes} bytes, ${file.lines} lines, ${file.words} words`
        : file.reason;
    lines.push(`- ${file.path}: ${file.status} (${detail})`);
  }
  return lines.join('\n');
}

/**
 * `analyze_documents`: streams files from the data directory and reports bytes, lines, words,
 * SHA-256 and a detected type for each, with the same notification stream as `process_items`.
 * Client paths go through {@link checkSafePath}; without paths it analyzes every regular file.
 */
export function createAnalyzeDocumentsTool(
  options: AnalyzeDocumentsOptions,
): ToolDefinition<typeof analyzeDocumentsInputSchema, typeof analyzeDocumentsOutputSchema> {
  const root = resolve(options.dataDir);
  return {
    name: 'analyze_documents',
    title: 'Analyze documents',
    description:
      'Reads files from the server data directory one at a time and reports size, lines, words, ' +
      'SHA-256 and a detected type (json, markdown, csv, text, binary) for each, with progress and ' +
      'a log message per file. Paths are relative to the data directory; links are never followed.',
    inputSchema: analyzeDocumentsInputSchema,
    outputSchema: analyzeDocumentsOutputSchema,
    async run({ paths, delayMs }, { signal, notify }) {
      let targets: FileTarget[];
      let truncatedAt: number | undefined;
      if (paths === undefined) {
        const listing = await listDataFiles(root, options.maxFiles, signal);
        targets = listing.targets;
        if (listing.truncated) {
          truncatedAt = options.maxFiles;
          await notify.log(
            'warning',
            `more than ${options.maxFiles} files; analyzing the first ${options.maxFiles}`,
          );
        }
      } else {
        targets = await vetPaths(root, paths, options.maxFiles);
      }

      const files: FileResult[] = [];
      for (const [i, target] of targets.entries()) {
        await abortableDelay(delayMs, signal);
        const event = await analyzeFile(target.path, target.absolute, {
          maxFileBytes: options.maxFileBytes,
          signal,
        });
        await report(event, i + 1, targets.length, notify);
        files.push(toResult(event));
      }
      const tally = (status: FileResult['status']) => files.filter((f) => f.status === status).length;
      const structured: AnalyzeDocumentsOutput = {
        analyzed: tally('ok'),
        skipped: tally('skipped'),
        failed: tally('failed'),
        files,
      };
      return { text: summarise(structured, truncatedAt), structured };
    },
  };
}
