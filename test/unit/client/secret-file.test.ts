import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readSecretFile, SECRET_FILE_MAX_BYTES } from '../../../src/client/secret-file.js';
import { UsageError } from '../../../src/client/usage-error.js';

const SECRET = 'sf-secret-7c1e0b9a4d';

describe('readSecretFile', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'beacon-secret-file-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** Writes `content` to a fresh file and expects a UsageError naming the flag and the path, never the content. */
  async function refused(name: string, content: string | undefined, reason: RegExp): Promise<void> {
    const path = join(dir, name);
    if (content !== undefined) await writeFile(path, content, { mode: 0o600 });
    assert.throws(
      () => readSecretFile('--client-secret-file', path),
      (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.ok(error.message.includes(`'${path}'`), 'the path is named');
        assert.match(error.message, /^--client-secret-file: /);
        assert.match(error.message, reason);
        assert.ok(!error.message.includes(SECRET), 'the file content stays out of the message');
        return true;
      },
    );
  }

  it('returns the content without the trailing newline and whitespace, leading space kept', async () => {
    const path = join(dir, 'ok');
    await writeFile(path, `${SECRET} \r\n\n`);
    assert.equal(readSecretFile('--token-file', path), SECRET);
    await writeFile(path, ` ${SECRET}`);
    assert.equal(readSecretFile('--token-file', path), ` ${SECRET}`);
  });

  it('refuses a missing file and a directory, with the error code', async () => {
    await refused('missing', undefined, /cannot read .*\(ENOENT\)/);
    assert.throws(() => readSecretFile('--api-key-file', dir), /--api-key-file: cannot read .*\(EISDIR\)/);
  });

  it('refuses an empty or whitespace-only file', async () => {
    await refused('empty', '', /is empty$/);
    await refused('blank', ' \n\t\n', /is empty$/);
  });

  it('refuses a file over the size cap without printing it', async () => {
    await refused(
      'large',
      SECRET.repeat(Math.ceil((SECRET_FILE_MAX_BYTES + 1) / SECRET.length)),
      /larger than/,
    );
    const exact = join(dir, 'exact');
    await writeFile(exact, 'x'.repeat(SECRET_FILE_MAX_BYTES));
    assert.equal(readSecretFile('--token-file', exact).length, SECRET_FILE_MAX_BYTES);
  });

  it('stops reading an endless stream at the cap', { skip: process.platform !== 'linux' }, () => {
    assert.throws(
      () => readSecretFile('--token-file', '/dev/zero'),
      /--token-file: '\/dev\/zero' is larger than/,
    );
  });

  it('refuses a file of several lines (an env file, a key pair) without printing it', async () => {
    await refused('lines', `CLIENT_SECRET=${SECRET}\nOTHER=${SECRET}\n`, /more than one line/);
  });

  it('refuses an empty path', () => {
    assert.throws(() => readSecretFile('--token-file', ''), /--token-file: empty path/);
  });
});
