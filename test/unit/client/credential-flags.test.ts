import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAuth } from '../../../src/client/credential-flags.js';
import { UsageError } from '../../../src/client/usage-error.js';

describe('secret flags read from a file', () => {
  let dir: string;
  let secretFile: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'beacon-credential-flags-'));
    secretFile = join(dir, 'secret');
    await writeFile(secretFile, 'from-file\n', { mode: 0o600 });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const refused = (flags: Parameters<typeof parseAuth>[0], mentions: RegExp) =>
    assert.throws(
      () => parseAuth(flags),
      (error: unknown) => error instanceof UsageError && mentions.test(error.message),
    );

  it('--client-secret-file, --api-key-file and --token-file each stand for their flag', () => {
    assert.deepEqual(
      parseAuth({ 'oauth-client-credentials': true, 'client-id': 'c', 'client-secret-file': secretFile }),
      { kind: 'oauth-client-credentials', clientId: 'c', clientSecret: 'from-file', issuer: undefined },
    );
    assert.deepEqual(parseAuth({ 'api-key-file': secretFile }), { kind: 'api-key', key: 'from-file' });
    assert.deepEqual(parseAuth({ 'token-file': secretFile }), { kind: 'bearer', token: 'from-file' });
  });

  it('refuses a flag together with its file twin', () => {
    refused(
      {
        'oauth-client-credentials': true,
        'client-id': 'c',
        'client-secret': 's',
        'client-secret-file': secretFile,
      },
      /^--client-secret and --client-secret-file cannot be used together$/,
    );
    refused({ 'api-key': 'k', 'api-key-file': secretFile }, /^--api-key and --api-key-file cannot/);
    refused({ token: 't', 'token-file': secretFile }, /^--token and --token-file cannot/);
  });

  it('names the file flag in a bad combination, before reading any file', () => {
    const missing = join(dir, 'missing');
    refused({ 'api-key-file': missing, token: 't' }, /^--api-key-file and --token cannot be used together$/);
    refused({ 'token-file': missing, oauth: true }, /^choose one of/);
    refused({ 'client-secret-file': missing }, /--client-secret-file go with --oauth-client-credentials/);
    refused(
      { 'oauth-client-credentials': true, 'client-secret-file': missing },
      /needs --client-id and --client-secret \(or --client-secret-file\)/,
    );
  });

  it('turns an unreadable file into a usage error naming the flag and the path', () => {
    const missing = join(dir, 'missing');
    refused(
      { 'oauth-client-credentials': true, 'client-id': 'c', 'client-secret-file': missing },
      new RegExp(`^--client-secret-file: cannot read '${missing}' \\(ENOENT\\)$`),
    );
  });

  it('still refuses an empty inline secret, naming the flag', () => {
    refused({ 'api-key': '' }, /^--api-key: empty value$/);
    refused(
      { 'oauth-client-credentials': true, 'client-id': 'c', 'client-secret': '' },
      /^--client-secret: empty/,
    );
  });
});
