import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  challengeHeader,
  hasScopes,
  insufficientScope,
  requiredScopes,
  unauthorized,
} from '../../../../src/server/auth/challenge.js';

const PRM = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';

describe('scope decisions', () => {
  it('requires mcp:tools for tools/call named in the body, a batch, or the Mcp-Method header', () => {
    assert.deepEqual(requiredScopes(undefined, { method: 'tools/call' }), ['mcp:tools']);
    assert.deepEqual(requiredScopes(undefined, [{ method: 'ping' }, { method: 'tools/call' }]), [
      'mcp:tools',
    ]);
    assert.deepEqual(requiredScopes('tools/call', { method: 'tools/list' }), ['mcp:tools']);
  });

  it('requires nothing for listing, ping, discovery, notifications or a body it cannot read', () => {
    for (const method of [
      'tools/list',
      'ping',
      'server/discover',
      'initialize',
      'notifications/initialized',
    ]) {
      assert.deepEqual(requiredScopes(method, { method }), [], method);
    }
    assert.deepEqual(requiredScopes(undefined, undefined), []);
    assert.deepEqual(requiredScopes(undefined, 'tools/call'), []);
  });

  it('grants when every required scope is held', () => {
    assert.equal(hasScopes(['mcp:tools', 'x'], ['mcp:tools']), true);
    assert.equal(hasScopes([], []), true);
    assert.equal(hasScopes(['mcp:tool'], ['mcp:tools']), false);
  });
});

describe('challenges', () => {
  it('builds RFC 6750 challenges with resource_metadata and scope', () => {
    const header = challengeHeader('invalid_token', 'Authentication required', PRM);
    assert.match(header, /^Bearer /);
    assert.match(header, /error="invalid_token"/);
    assert.match(header, new RegExp(`resource_metadata="${PRM}"`));
    assert.match(header, /scope="mcp:tools"/);
  });

  it('maps a missing credential to 401 and a missing scope to 403 insufficient_scope, counted by reason', () => {
    const missing = unauthorized(PRM, true);
    assert.equal(missing.status, 401);
    assert.equal(missing.reason, 'auth');
    assert.match(missing.message, /Authentication required/);
    assert.match(unauthorized(PRM, false).message, /Invalid credentials/);
    const forbidden = insufficientScope(PRM);
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.reason, 'scope');
    assert.match(forbidden.headers['WWW-Authenticate'] ?? '', /error="insufficient_scope"/);
  });
});
