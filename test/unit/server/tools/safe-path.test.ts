import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkRelativePath, checkSafePath, MAX_PATH_CHARS } from '../../../../src/server/tools/safe-path.js';

function rejects(relative: string): string {
  const verdict = checkRelativePath(relative);
  assert.equal(verdict.ok, false, `expected ${JSON.stringify(relative)} to be rejected`);
  return verdict.ok ? '' : verdict.reason;
}

describe('checkRelativePath (no file system)', () => {
  it('accepts plain relative paths and normalises . and empty segments', () => {
    assert.deepEqual(checkRelativePath('notes.md'), { ok: true, segments: ['notes.md'] });
    assert.deepEqual(checkRelativePath('./a//b/./c.txt'), { ok: true, segments: ['a', 'b', 'c.txt'] });
    assert.deepEqual(checkRelativePath('..hidden/x..y'), { ok: true, segments: ['..hidden', 'x..y'] });
  });

  it('resolves a .. that stays inside the root', () => {
    assert.deepEqual(checkRelativePath('a/b/../c.md'), { ok: true, segments: ['a', 'c.md'] });
  });

  it('rejects a .. that climbs out, however it is spelled', () => {
    for (const path of ['..', '../secret', 'a/../../secret', './../x', 'a/b/../../../etc/passwd']) {
      assert.match(rejects(path), /climbs out of the data directory/, path);
    }
  });

  it('rejects absolute and drive-letter paths', () => {
    for (const path of ['/etc/passwd', '//server/share', 'C:/Windows/win.ini', 'c:secret']) {
      assert.match(rejects(path), /absolute/, path);
    }
  });

  it('rejects NUL bytes, backslashes, empty and overlong paths', () => {
    assert.match(rejects('notes.md\0.png'), /NUL byte/);
    assert.match(rejects('..\\..\\etc\\passwd'), /backslash/);
    assert.match(rejects(''), /empty/);
    assert.match(rejects('a'.repeat(MAX_PATH_CHARS + 1)), /longer than 4096/);
    assert.equal(checkRelativePath('a'.repeat(MAX_PATH_CHARS)).ok, true);
  });

  it('rejects paths that name the root itself', () => {
    for (const path of ['.', './', 'a/..', './.', 'a/b/../..']) {
      assert.match(rejects(path), /names the data directory itself/, path);
    }
  });
});

describe('checkSafePath (on a temporary data directory)', () => {
  let base: string;
  let root: string;
  let socket: Server;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'beacon-safe-path-'));
    root = join(base, 'data');
    await mkdir(join(root, 'docs', 'deep'), { recursive: true });
    await writeFile(join(root, 'docs', 'a.txt'), 'inside');
    await writeFile(join(root, 'docs', 'deep', 'b.txt'), 'deeper');
    await writeFile(join(base, 'secret.txt'), 'outside');
    await symlink(join(root, 'docs'), join(root, 'docs-link')); // directory link, target inside
    await symlink(join(root, 'docs', 'a.txt'), join(root, 'a-link.txt')); // file link, target inside
    await symlink(join(base, 'secret.txt'), join(root, 'escape.txt')); // file link, target outside
    await symlink(base, join(root, 'docs', 'up')); // directory link in the middle, target outside
    socket = createServer();
    await new Promise<void>((resolve) => socket.listen(join(root, 'docs', 'listener.sock'), resolve));
  });

  after(async () => {
    await new Promise((resolve) => socket.close(resolve));
    await rm(base, { recursive: true, force: true });
  });

  it('accepts a regular file and returns its absolute path', async () => {
    assert.deepEqual(await checkSafePath(root, 'docs/deep/b.txt'), {
      ok: true,
      absolute: join(root, 'docs', 'deep', 'b.txt'),
    });
    assert.deepEqual(await checkSafePath(root, 'docs/deep/../a.txt'), {
      ok: true,
      absolute: join(root, 'docs', 'a.txt'),
    });
  });

  it('refuses a symlink in the middle of the path, even one pointing inside', async () => {
    assert.deepEqual(await checkSafePath(root, 'docs-link/a.txt'), {
      ok: false,
      reason: '"docs-link" is a symbolic link; links are never followed',
    });
    assert.deepEqual(await checkSafePath(root, 'docs/up/secret.txt'), {
      ok: false,
      reason: '"docs/up" is a symbolic link; links are never followed',
    });
  });

  it('refuses a symlink to a file, inside the root or out of it', async () => {
    for (const path of ['a-link.txt', 'escape.txt']) {
      const verdict = await checkSafePath(root, path);
      assert.equal(verdict.ok, false, path);
      assert.match(verdict.ok ? '' : verdict.reason, /symbolic link/);
    }
  });

  it('refuses anything but a regular file, such as a socket', async () => {
    assert.deepEqual(await checkSafePath(root, 'docs/listener.sock'), {
      ok: false,
      reason: '"docs/listener.sock" is not a regular file',
    });
  });

  it('refuses directories and missing files', async () => {
    assert.deepEqual(await checkSafePath(root, 'docs'), {
      ok: false,
      reason: '"docs" is a directory, not a file',
    });
    assert.deepEqual(await checkSafePath(root, 'docs/missing.txt'), {
      ok: false,
      reason: '"docs/missing.txt" does not exist',
    });
    assert.deepEqual(await checkSafePath(root, 'docs/a.txt/more'), {
      ok: false,
      reason: '"docs/a.txt" is not a directory',
    });
  });

  it('refuses escapes before touching the disk, and never names server paths', async () => {
    const verdicts = await Promise.all(
      ['../secret.txt', join(base, 'secret.txt'), 'docs/a.txt\0'].map((p) => checkSafePath(root, p)),
    );
    for (const verdict of verdicts) {
      assert.equal(verdict.ok, false);
      assert.equal(verdict.ok ? '' : verdict.reason.includes(base), false);
    }
  });
});
