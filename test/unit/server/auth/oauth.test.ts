import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { errors, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import {
  discoverJwksUri,
  discoveryUrls,
  failureOf,
  OAuthVerifier,
} from '../../../../src/server/auth/oauth.js';
import { TokenRejected } from '../../../../src/server/auth/token-rejected.js';

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

describe('remembered token verdicts', () => {
  const issuer = 'https://idp.example.com';
  const audience = new URL('https://beacon.example.com/mcp');
  let server: Server;
  let jwksUrl: string;
  /** What the issuer publishes now, and how often it was fetched. */
  const published = { keys: [] as JWK[], fetches: 0 };

  const signingKey = async (kid: string) => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256' } };
  };
  const tokenFor = (key: Awaited<ReturnType<typeof signingKey>>, expiresAt: number) =>
    new SignJWT({ scope: 'mcp:tools', client_id: 'cli' })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setIssuer(issuer)
      .setAudience(audience.href)
      .setSubject('alice')
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .sign(key.privateKey);

  before(async () => {
    server = createServer((_req, res) => {
      published.fetches += 1;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys: published.keys }));
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  after(() => server.close());

  it('answers a repeated token from memory, with the same verdict', async () => {
    const key = await signingKey('k1');
    published.keys = [key.jwk];
    const verifier = new OAuthVerifier({ issuer, jwksUrl, audience });
    const token = await tokenFor(key, Math.floor(Date.now() / 1000) + 300);
    assert.equal(verifier.recall(token), undefined);
    // The first verdict arrives while the key set is fetched, so it is not kept; the second is.
    const first = await verifier.verify(token);
    const second = await verifier.verify(token);
    assert.deepEqual(second, first);
    assert.equal(verifier.recall(token), second);
    assert.equal(await verifier.verify(token), second);
    assert.deepEqual(second, {
      subject: 'alice',
      clientId: 'cli',
      scopes: ['mcp:tools'],
      expiresAt: first.expiresAt,
    });
    // Another token of the same subject is its own entry.
    const other = await tokenFor(key, Math.floor(Date.now() / 1000) + 301);
    assert.equal(verifier.recall(other), undefined);
  });

  it('stops answering from memory at exp, and jose then refuses the token', async () => {
    const key = await signingKey('k2');
    published.keys = [key.jwk];
    let now = Date.now();
    const verifier = new OAuthVerifier({ issuer, jwksUrl, audience, now: () => now });
    const exp = Math.floor(now / 1000) + 60;
    const token = await tokenFor(key, exp);
    await verifier.verify(token);
    await verifier.verify(token);
    assert.ok(verifier.recall(token));
    now = exp * 1000;
    assert.equal(verifier.recall(token), undefined);
    // Past the 30 s of clock tolerance, the full check says expired.
    now = (exp + 31) * 1000;
    await assert.rejects(verifier.verify(token), (e: TokenRejected) => e.reason === 'expired');
  });

  it('forgets a verdict once the key set is fetched again, so a withdrawn key stops counting', async () => {
    const old = await signingKey('k3');
    published.keys = [old.jwk];
    const verifier = new OAuthVerifier({ issuer, jwksUrl, audience, jwksMaxAgeMs: 300 });
    const token = await tokenFor(old, Math.floor(Date.now() / 1000) + 300);
    await verifier.verify(token);
    await verifier.verify(token);
    assert.ok(verifier.recall(token));
    // The issuer rotates: k3 is withdrawn. Past the key set's age, the verdict is void and jose
    // fetches the set again before it checks the token.
    published.keys = [(await signingKey('k4')).jwk];
    const fetches = published.fetches;
    await new Promise((resolve) => setTimeout(resolve, 350));
    assert.equal(verifier.recall(token), undefined);
    await assert.rejects(verifier.verify(token), (e: TokenRejected) => e.reason === 'signature');
    assert.equal(published.fetches, fetches + 1);
  });

  it('forgets every verdict and the key set on forget() (SIGHUP)', async () => {
    const key = await signingKey('k5');
    published.keys = [key.jwk];
    const verifier = new OAuthVerifier({ issuer, jwksUrl, audience });
    const token = await tokenFor(key, Math.floor(Date.now() / 1000) + 300);
    await verifier.verify(token);
    await verifier.verify(token);
    assert.ok(verifier.recall(token));
    const fetches = published.fetches;
    verifier.forget();
    assert.equal(verifier.recall(token), undefined);
    published.keys = [];
    await assert.rejects(verifier.verify(token), (e: TokenRejected) => e.reason === 'signature');
    assert.equal(published.fetches, fetches + 1);
  });

  it('never remembers a refusal', async () => {
    const key = await signingKey('k6');
    published.keys = [key.jwk];
    const verifier = new OAuthVerifier({ issuer, jwksUrl, audience: new URL('https://other.example/mcp') });
    const token = await tokenFor(key, Math.floor(Date.now() / 1000) + 300);
    for (let i = 0; i < 2; i++) {
      await assert.rejects(verifier.verify(token), (e: TokenRejected) => e.reason === 'audience');
    }
    assert.equal(verifier.recall(token), undefined);
  });
});
