import { extname } from 'node:path';

export const DOCUMENT_TYPES = ['json', 'markdown', 'csv', 'text', 'binary'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

const BY_EXTENSION: Readonly<Record<string, DocumentType>> = {
  '.json': 'json',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.csv': 'csv',
  '.txt': 'text',
  '.text': 'text',
  '.log': 'text',
  '.bin': 'binary',
  '.gz': 'binary',
  '.zip': 'binary',
  '.pdf': 'binary',
  '.png': 'binary',
  '.jpg': 'binary',
  '.jpeg': 'binary',
  '.gif': 'binary',
};

/** The type a file's name promises; unknown extensions are assumed to be text until sniffed. */
export function typeFromName(path: string): DocumentType {
  return BY_EXTENSION[extname(path).toLowerCase()] ?? 'text';
}

function isUtf8Prefix(bytes: Uint8Array): boolean {
  try {
    // `stream: true` tolerates a character cut off at the end of the chunk; fatal rejects the rest.
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * The type of a file from its name and its first chunk. Content overrules a textual name: a NUL
 * byte, or bytes that are not UTF-8, make it `binary` whatever the extension says (a `.txt` saved
 * as UTF-16 is not text a client can read as such). A binary name stays binary.
 */
export function detectType(path: string, firstChunk: Uint8Array): DocumentType {
  const named = typeFromName(path);
  if (named === 'binary') return named;
  if (firstChunk.includes(0) || !isUtf8Prefix(firstChunk)) return 'binary';
  return named;
}
