import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { principalHash } from '../../../../src/server/shared/principal-hash.js';

const expected = (principal: string) =>
  createHash('sha256').update(`beacon-principal\0${principal}`).digest('base64url');

describe('principalHash', () => {
  it('is the SHA-256 of the principal in its own domain, the same on every call', () => {
    assert.equal(principalHash('apikey:ci'), expected('apikey:ci'));
    assert.equal(principalHash('apikey:ci'), expected('apikey:ci'));
    assert.notEqual(principalHash('apikey:ci'), principalHash('apikey:cj'));
  });

  it('stays exact past the number of principals it remembers', () => {
    const principals = Array.from({ length: 2500 }, (_, i) => `oauth:subject-${i}`);
    for (const principal of principals) assert.equal(principalHash(principal), expected(principal));
    for (const principal of principals.slice(0, 10))
      assert.equal(principalHash(principal), expected(principal));
  });
});
