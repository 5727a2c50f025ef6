import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWellFormedJsonContentType } from '../../../../src/server/security/content-type.js';

describe('isWellFormedJsonContentType', () => {
  it('accepts application/json in any case, with well-formed parameters', () => {
    for (const header of [
      'application/json',
      'APPLICATION/JSON;charset=UTF-8',
      'application/json; charset="utf-8"',
      'application/json ; a=b; c="d\\"e"',
      '\tapplication/json',
    ]) {
      assert.equal(isWellFormedJsonContentType(header), true, header);
    }
  });

  it('refuses parameters a strict parser throws on: an open quote, a trailing or doubled semicolon, no name', () => {
    // The first of these, found by the fuzzer, drew a plain-text "TypeError: invalid parameter format".
    for (const header of [
      'application/json; boundary="',
      'application/json;',
      'application/json;;',
      'application/json; =x',
      'application/json; a=b\t',
    ]) {
      assert.equal(isWellFormedJsonContentType(header), false, header);
    }
  });

  it('refuses other media types and an absent header', () => {
    for (const header of ['application/json-rpc', 'text/plain', 'application/jsonx', '']) {
      assert.equal(isWellFormedJsonContentType(header), false, header);
    }
    assert.equal(isWellFormedJsonContentType(undefined), false);
  });
});
