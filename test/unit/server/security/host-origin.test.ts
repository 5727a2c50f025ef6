import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWellFormedHost } from '../../../../src/server/security/host-origin.js';

describe('isWellFormedHost', () => {
  it('accepts a name, an IPv4 address or a bracketed IPv6 literal, each with an optional port', () => {
    for (const host of ['localhost', '127.0.0.1:3000', '[::1]', '[::1]:80', 'mcp.example.com', 'a-b.c_d~e']) {
      assert.equal(isWellFormedHost(host), true, host);
    }
  });

  it('refuses userinfo, a path, a query, a fragment and spaces, which the SDK validator lets through', () => {
    // `user@127.0.0.1`, found by the fuzzer, passed the allowlist and then got a 500 from the MCP handler.
    for (const host of [
      'user@127.0.0.1',
      'user:pw@127.0.0.1:1',
      '127.0.0.1/x',
      '127.0.0.1?x',
      '127.0.0.1#x',
      'a b',
      '[::1',
      '127.0.0.1:x',
    ]) {
      assert.equal(isWellFormedHost(host), false, host);
    }
  });
});
