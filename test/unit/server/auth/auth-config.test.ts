import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../../../src/config.js';

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message;
  }
  assert.fail(`expected ${JSON.stringify(env)} to be refused`);
}

describe('auth configuration', () => {
  it('without AUTH_MODE, follows the credentials configured, with the brute-force knobs', () => {
    const { auth } = loadConfig({});
    assert.deepEqual(auth.modes, [], 'nothing configured on loopback: auth off');
    assert.equal(auth.failureLimit, 20);
    assert.equal(auth.failureWindowMs, 300_000);
    assert.deepEqual(loadConfig({ API_KEYS_FILE: 'keys.json' }).auth.modes, ['apikey']);
    assert.deepEqual(loadConfig({ OAUTH_ISSUER: 'https://idp.example.com' }).auth.modes, ['oauth']);
    assert.deepEqual(
      loadConfig({ API_KEYS_FILE: 'keys.json', OAUTH_ISSUER: 'https://idp.example.com' }).auth.modes,
      ['apikey', 'oauth'],
    );
    assert.match(
      refusal({ HOST: '0.0.0.0' }),
      /HOST="0\.0\.0\.0" is not loopback, so authentication is required/,
    );
  });

  it('takes a comma list of apikey and oauth, oauth needing its issuer', () => {
    const { auth } = loadConfig({ AUTH_MODE: 'apikey, oauth', OAUTH_ISSUER: 'https://idp.example.com' });
    assert.deepEqual(auth.modes, ['apikey', 'oauth']);
    assert.equal(auth.oauthIssuer, 'https://idp.example.com');
    assert.match(refusal({ AUTH_MODE: 'oauth' }), /AUTH_MODE includes oauth, so OAUTH_ISSUER must be set/);
  });

  it('allows none on loopback only, naming AUTH_MODE and HOST', () => {
    assert.deepEqual(loadConfig({ AUTH_MODE: 'none' }).auth.modes, []);
    assert.deepEqual(loadConfig({ AUTH_MODE: 'none', HOST: '::1' }).auth.modes, []);
    assert.match(refusal({ AUTH_MODE: 'none', HOST: '0.0.0.0' }), /AUTH_MODE=none .* HOST=.*"0\.0\.0\.0"/);
  });

  it('refuses unknown modes and none mixed with others', () => {
    assert.match(refusal({ AUTH_MODE: 'basic' }), /AUTH_MODE must be none or a comma list of apikey, oauth/);
    assert.match(refusal({ AUTH_MODE: 'none,apikey' }), /AUTH_MODE must be none/);
    assert.match(refusal({ AUTH_FAILURE_LIMIT: '0' }), /AUTH_FAILURE_LIMIT must be a whole number/);
    assert.match(refusal({ OAUTH_ISSUER: 'not a url' }), /OAUTH_ISSUER must be the absolute URL/);
  });
});
