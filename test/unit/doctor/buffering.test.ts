import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metadataUrlsOf, resourceMetadataOf } from '../../../src/doctor/auth-check.js';
import { judgeBuffering } from '../../../src/doctor/buffering.js';

describe('judgeBuffering', () => {
  it('calls arrivals that keep the emit spacing live', () => {
    assert.equal(judgeBuffering(300, [0, 310, 590, 905, 1200]).live, true);
  });

  it('calls arrivals collapsed into a few ms batched, and says so', () => {
    const verdict = judgeBuffering(300, [1200, 1201, 1201, 1202, 1203]);
    assert.equal(verdict.live, false);
    assert.match(verdict.detail, /emitted 300 ms apart arrived within 3 ms/);
  });

  it('does not judge from fewer than three arrivals', () => {
    assert.equal(judgeBuffering(300, [0, 300]).live, undefined);
  });
});

describe('auth discovery helpers', () => {
  it('reads resource_metadata from a Bearer challenge only', () => {
    const url = 'https://h/.well-known/oauth-protected-resource/mcp';
    assert.equal(resourceMetadataOf(`Bearer resource_metadata="${url}", scope="mcp:tools"`), url);
    assert.equal(resourceMetadataOf(`Basic resource_metadata="${url}"`), undefined);
    assert.equal(resourceMetadataOf('Bearer realm="x"'), undefined);
    assert.equal(resourceMetadataOf(null), undefined);
  });

  it('inserts an issuer path after the well-known prefix (RFC 8414), then tries OpenID forms', () => {
    assert.deepEqual(metadataUrlsOf('https://idp.example/tenant'), [
      'https://idp.example/.well-known/oauth-authorization-server/tenant',
      'https://idp.example/.well-known/openid-configuration/tenant',
      'https://idp.example/tenant/.well-known/openid-configuration',
    ]);
    assert.equal(
      metadataUrlsOf('https://idp.example')[0],
      'https://idp.example/.well-known/oauth-authorization-server',
    );
  });
});
