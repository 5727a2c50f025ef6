import type { Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const MAX_PATH_CHARS = 4096;

export type PathVerdict = { ok: true; absolute: string } | { ok: false; reason: string };
export type LexicalVerdict = { ok: true; segments: string[] } | { ok: false; reason: string };

/**
 * The lexical half of {@link checkSafePath}: decides from the string alone, touching no disk.
 *
 * Rejects an empty path, one longer than 4096 characters, a NUL byte (C APIs below Node would cut
 * the path there), a backslash (a separator on Windows, so `a\..\..\x` would mean something else
 * there), an absolute or drive-letter path, and a `..` that climbs above the data directory.
 * `.` and empty segments are dropped; a `..` that stays inside is resolved here, so the path the
 * caller finally opens is exactly the one whose components were checked.
 *
 * @example checkRelativePath('notes/../a.md') // { ok: true, segments: ['a.md'] }
 * @example checkRelativePath('../etc/passwd') // { ok: false, reason: 'path climbs out of …' }
 */
export function checkRelativePath(relative: string): LexicalVerdict {
  if (relative.length === 0) return { ok: false, reason: 'path is empty' };
  if (relative.length > MAX_PATH_CHARS) {
    return { ok: false, reason: `path is longer than ${MAX_PATH_CHARS} characters` };
  }
  if (relative.includes('\0')) return { ok: false, reason: 'path contains a NUL byte' };
  if (relative.includes('\\')) {
    return { ok: false, reason: 'path contains a backslash; separate folders with /' };
  }
  if (relative.startsWith('/') || /^[A-Za-z]:/.test(relative)) {
    return { ok: false, reason: 'path is absolute; give it relative to the data directory' };
  }
  const segments: string[] = [];
  for (const segment of relative.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') {
      segments.push(segment);
    } else if (segments.pop() === undefined) {
      return { ok: false, reason: 'path climbs out of the data directory through ".."' };
    }
  }
  if (segments.length === 0) return { ok: false, reason: 'path names the data directory itself, not a file' };
  return { ok: true, segments };
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/**
 * Decides whether a client may read `relative` under the data directory `root`, and if so where
 * it is. A pure verdict in the manner of an Origin check: it never throws for a bad path and
 * knows nothing of who asked; the caller turns `{ ok: false, reason }` into its own error.
 *
 * Why: the path comes from an MCP client, and the server may run with more rights than that
 * client should have. Path traversal (`../../etc/shadow`, `/etc/shadow`) is stopped lexically by
 * {@link checkRelativePath}. Symlink escape (`data/link -> /`) is stopped by `lstat`-ing every
 * component below the root and refusing any symbolic link at all, even one that points back
 * inside: judging link targets means reimplementing the kernel's resolution and its races, and
 * the data directory has no need for links. Only regular files pass, so a FIFO (blocks forever),
 * a device (`/dev/zero` never ends) or a directory is never opened. The reason names components
 * relative to the root only, so it can be shown to the client without revealing server paths.
 *
 * The root itself is trusted configuration and may be a link. Between this check and the open a
 * component could change; the data directory is mounted read-only, and readers should still open
 * with `O_NOFOLLOW` and check `fstat` on what they actually opened.
 *
 * @example await checkSafePath('/srv/data', 'notes/todo.md') // { ok: true, absolute: '/srv/data/notes/todo.md' }
 * @example await checkSafePath('/srv/data', 'link/todo.md')  // { ok: false, reason: '"link" is a symbolic link; …' }
 */
export async function checkSafePath(root: string, relative: string): Promise<PathVerdict> {
  const lexical = checkRelativePath(relative);
  if (!lexical.ok) return lexical;
  const base = resolve(root);
  const { segments } = lexical;
  for (let depth = 1; depth <= segments.length; depth++) {
    const shown = segments.slice(0, depth).join('/');
    const last = depth === segments.length;
    let stats: Stats;
    try {
      stats = await lstat(join(base, ...segments.slice(0, depth)));
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT') return { ok: false, reason: `"${shown}" does not exist` };
      if (code === 'ENOTDIR') return { ok: false, reason: `"${shown}" is not inside a directory` };
      return { ok: false, reason: `"${shown}" cannot be examined (${code ?? 'unknown error'})` };
    }
    if (stats.isSymbolicLink()) {
      return { ok: false, reason: `"${shown}" is a symbolic link; links are never followed` };
    }
    if (!last && !stats.isDirectory()) return { ok: false, reason: `"${shown}" is not a directory` };
    if (last && stats.isDirectory()) return { ok: false, reason: `"${shown}" is a directory, not a file` };
    if (last && !stats.isFile()) return { ok: false, reason: `"${shown}" is not a regular file` };
  }
  return { ok: true, absolute: join(base, ...segments) };
}
