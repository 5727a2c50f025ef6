import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword, isPasswordHash, verifyPassword } from '../../../src/auth-server/passwords.js';

describe('development user passwords', () => {
  it('hashes with scrypt and a fresh salt, and verifies only the right password', async () => {
    const hash = await hashPassword('s3cret pass');
    assert.ok(isPasswordHash(hash));
    assert.ok(!hash.includes('s3cret'));
    assert.notEqual(await hashPassword('s3cret pass'), hash);
    assert.equal(await verifyPassword('s3cret pass', hash), true);
    assert.equal(await verifyPassword('s3cret pasS', hash), false);
  });

  it('never matches a malformed stored hash', async () => {
    assert.equal(await verifyPassword('x', 'plain-text-password'), false);
    assert.equal(isPasswordHash('scrypt$1$2$3$$'), false);
  });
});
