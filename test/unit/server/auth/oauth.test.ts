import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors } from 'jose';
import {
  discoverJwksUri,
  discoveryUrls,
  failureOf,
  TokenRejected,
} from '../../../../src/server/auth/oauth.js';

describe('issuer discovery', () => {
  it('tries RFC 8414 (path inserted) before OpenID Connect (path appended)', () => {
    assert.deepEqual(discoveryUrls('https://idp.example.com'), [
      'https://idp.example.com/.well-known/oauth-authorization-server',
      'https://idp.example.com/.well-known/openid-configuration',
    ]);
    assert.deepEqual(discoveryUrls('https://idp.example.com/realms/beacon'), [
      'https://idp.example.com/.well-known/oauth-authorization-server/realms/beacon',
      'https://idp.example.com/realms/beacon/.well-known/openid-configuration',
      'https://idp.example.com/.well-known/openid-configuration/realms/beacon',
    ]);
  });

  it('refuses metadata that names another issuer (RFC 8414 §3.3) and falls through to the next location', async () => {
    const served: Record<string, unknown> = {
      'https://idp.example.com/.well-known/oauth-authorization-server': {
        issuer: 'https://evil.example',
        jwks_uri: 'x',
      },
      'https://idp.example.com/.well-known/openid-configuration': {
        issuer: 'https://idp.example.com',
        jwks_uri: 'https://idp.example.com/jwks',
      },
    };
    const fetchFn = (async (url: string) =>
      url in served ? Response.json(served[url]) : new Response('', { status: 404 })) as typeof fetch;
    assert.equal(await discoverJwksUri('https://idp.example.com', fetchFn), 'https://idp.example.com/jwks');
    const onlyEvil = (async () =>
      Response.json({ issuer: 'https://evil.example', jwks_uri: 'x' })) as typeof fetch;
    await assert.rejects(
      discoverJwksUri('https://idp.example.com', onlyEvil),
      /names issuer "https:\/\/evil\.example"/,
    );
  });
});

describe('token failure reasons', () => {
  it('maps jose errors to reasons an operator can act on', () => {
    assert.equal(failureOf(new errors.JWTExpired('expired', {})), 'expired');
    assert.equal(failureOf(new errors.JWTClaimValidationFailed('aud', {}, 'aud')), 'audience');
    assert.equal(failureOf(new errors.JWTClaimValidationFailed('iss', {}, 'iss')), 'issuer');
    assert.equal(failureOf(new errors.JWTClaimValidationFailed('nbf', {}, 'nbf')), 'not_yet_valid');
    assert.equal(failureOf(new errors.JOSEAlgNotAllowed('alg')), 'algorithm');
    assert.equal(failureOf(new errors.JWSSignatureVerificationFailed()), 'signature');
    assert.equal(failureOf(new errors.JWSInvalid('bad')), 'malformed');
    assert.equal(failureOf(new errors.JWKSTimeout()), 'unavailable');
    assert.equal(failureOf(new TokenRejected('issuer')), 'issuer');
  });
});
