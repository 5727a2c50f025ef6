import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../../../src/client/usage-error.js';
import { parseDoctorArgs } from '../../../src/doctor/args.js';

const URL_FLAG = ['--url', 'https://localhost/mcp'];

describe('parseDoctorArgs', () => {
  it('takes the same credential flags as beacon call', () => {
    assert.deepEqual(parseDoctorArgs([...URL_FLAG, '--api-key', 'bk_x'])?.auth, {
      kind: 'api-key',
      key: 'bk_x',
    });
    assert.deepEqual(
      parseDoctorArgs([...URL_FLAG, '--oauth-client-credentials', '--client-id', 'c', '--client-secret', 's'])
        ?.auth,
      { kind: 'oauth-client-credentials', clientId: 'c', clientSecret: 's', issuer: undefined },
    );
  });

  it('takes --client-secret-file too, refusing an unreadable one as beacon call does', () => {
    const missing = join(tmpdir(), 'beacon-doctor-no-such-secret');
    const args = [...URL_FLAG, '--oauth-client-credentials', '--client-id', 'c', '--client-secret-file'];
    assert.throws(
      () => parseDoctorArgs([...args, missing]),
      /^UsageError: --client-secret-file: cannot read/,
    );
  });

  it('refuses two kinds of credential at once, as beacon call does', () => {
    assert.throws(() => parseDoctorArgs([...URL_FLAG, '--api-key', 'k', '--token', 't']), UsageError);
  });

  it('refuses the interactive --oauth sign-in, naming the alternative', () => {
    assert.throws(() => parseDoctorArgs([...URL_FLAG, '--oauth']), /--oauth-client-credentials/);
  });

  it('needs --url, and answers --help with undefined', () => {
    assert.throws(() => parseDoctorArgs([]), /--url is required/);
    assert.equal(parseDoctorArgs(['--help']), undefined);
  });
});
