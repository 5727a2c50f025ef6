import { closeSync, openSync, readSync } from 'node:fs';
import { UsageError } from './usage-error.js';

/** Far above any client secret, API key or JWT; a bigger file is the wrong file. */
export const SECRET_FILE_MAX_BYTES = 16 * 1024;

/** Reads at most `limit` bytes; a pipe (`<(pass show x)`) or a device ends the loop as well as a file. */
function readUpTo(path: string, limit: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(limit);
    let filled = 0;
    while (filled < limit) {
      const n = readSync(fd, buffer, filled, limit - filled, null);
      if (n === 0) break;
      filled += n;
    }
    return buffer.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

/**
 * The secret held in a `--*-file` flag's file: its content without trailing whitespace (the
 * newline editors and `echo` add). A secret on the command line is visible to every local user in
 * `ps`; a file (mode 0600, or `<(…)` from a password manager) is not. Every refusal names the flag
 * and the path, never the content, which may be a secret pasted into the wrong file.
 */
export function readSecretFile(flag: string, path: string): string {
  if (path === '') throw new UsageError(`${flag}: empty path`);
  let bytes: Buffer;
  try {
    bytes = readUpTo(path, SECRET_FILE_MAX_BYTES + 1);
  } catch (error) {
    throw new UsageError(
      `${flag}: cannot read '${path}' (${(error as NodeJS.ErrnoException).code ?? 'read error'})`,
    );
  }
  if (bytes.length > SECRET_FILE_MAX_BYTES) {
    throw new UsageError(`${flag}: '${path}' is larger than ${SECRET_FILE_MAX_BYTES} bytes`);
  }
  const secret = bytes.toString('utf8').trimEnd();
  if (secret === '') throw new UsageError(`${flag}: '${path}' is empty`);
  if (/[\r\n]/.test(secret)) throw new UsageError(`${flag}: '${path}' holds more than one line`);
  return secret;
}
