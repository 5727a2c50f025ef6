import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Request } from 'express';
import { refusalOf } from '../../../../src/server/auth/layer.js';
import { presentedCredential } from '../../../../src/server/auth/passport.js';
import { queryCredentialParam } from '../../../../src/server/auth/query-token.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as Request;

describe('presented credential', () => {
  it('reads a bk_ bearer and X-API-Key as API keys, any other bearer as a token', () => {
    assert.deepEqual(presentedCredential(req({ authorization: 'Bearer bk_abc' })), {
      kind: 'apikey',
      value: 'bk_abc',
    });
    assert.deepEqual(presentedCredential(req({ authorization: 'bearer eyJ.x.y' })), {
      kind: 'oauth',
      value: 'eyJ.x.y',
    });
    assert.deepEqual(presentedCredential(req({ 'x-api-key': 'bk_k' })), { kind: 'apikey', value: 'bk_k' });
  });

  it('finds nothing in other schemes or malformed headers', () => {
    assert.equal(presentedCredential(req({})), undefined);
    assert.equal(presentedCredential(req({ authorization: 'Basic dXNlcjpwYXNz' })), undefined);
    assert.equal(presentedCredential(req({ authorization: 'Bearer' })), undefined);
    assert.equal(presentedCredential(req({ authorization: 'Bearer a b' })), undefined);
  });
});

describe('refusal verdict', () => {
  it('is "missing" only when nothing was presented', () => {
    assert.deepEqual(refusalOf([{ kind: 'apikey', reason: 'missing' }], false), {
      status: 401,
      missing: true,
      reason: 'missing',
    });
    assert.equal(refusalOf([{ kind: 'apikey', reason: 'missing' }], true).reason, 'unsupported');
  });

  it('reports the strategy that judged the credential', () => {
    const verdict = refusalOf(
      [
        { kind: 'apikey', reason: 'missing' },
        { kind: 'oauth', reason: 'expired' },
      ],
      true,
    );
    assert.deepEqual(verdict, { status: 401, missing: false, reason: 'expired' });
  });

  it('answers 503 when the issuer could not be reached, not 401', () => {
    assert.equal(refusalOf([{ kind: 'oauth', reason: 'unavailable' }], true).status, 503);
  });
});

describe('query-string credentials', () => {
  it('spots credential parameters, case-insensitively', () => {
    assert.equal(queryCredentialParam('/mcp?access_token=x'), 'access_token');
    assert.equal(queryCredentialParam('/sse?sessionId=1&API_KEY=x'), 'API_KEY');
    assert.equal(queryCredentialParam('/mcp?token'), 'token');
  });

  it('leaves other queries alone', () => {
    assert.equal(queryCredentialParam('/mcp'), undefined);
    assert.equal(queryCredentialParam('/messages?sessionId=abc'), undefined);
  });
});
