import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestTarget } from '../../../../src/server/security/request-target.js';

describe('requestTarget', () => {
  it('leaves an origin-form target alone', () => {
    assert.deepEqual(requestTarget('/mcp?x=1'), { kind: 'origin-form' });
  });

  it('turns an absolute URI into its path and query, with its authority for Host', () => {
    assert.deepEqual(requestTarget('http://127.0.0.1:3000/mcp?x=1'), {
      kind: 'absolute-form',
      path: '/mcp?x=1',
      host: '127.0.0.1:3000',
    });
    assert.deepEqual(requestTarget('HTTPS://mcp.example.com/mcp'), {
      kind: 'absolute-form',
      path: '/mcp',
      host: 'mcp.example.com',
    });
  });

  it('calls an absolute URI invalid when it does not parse or carries userinfo', () => {
    assert.deepEqual(requestTarget('http://[::1/mcp'), { kind: 'invalid' });
    assert.deepEqual(requestTarget('http://user:pw@127.0.0.1/mcp'), { kind: 'invalid' });
  });

  it('leaves other forms (asterisk, a bare name) to routing', () => {
    assert.deepEqual(requestTarget('*'), { kind: 'origin-form' });
    assert.deepEqual(requestTarget('mcp'), { kind: 'origin-form' });
  });
});
