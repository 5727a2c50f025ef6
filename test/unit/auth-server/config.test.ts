import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadAuthServerConfig } from '../../../src/auth-server/config.js';
import { ConfigError } from '../../../src/config.js';

describe('auth-server configuration', () => {
  it('defaults to loopback port 4000, the issuer following the port, keys in the data dir', () => {
    const config = loadAuthServerConfig({});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 4000);
    assert.equal(config.issuer, undefined);
    assert.ok(config.keysFile.endsWith('/.auth-server/jwks.json'));
    assert.equal(config.accessTokenTtl, 3600);
  });

  it('names the variable in its errors', () => {
    assert.throws(() => loadAuthServerConfig({ AUTH_SERVER_PORT: 'x' }), ConfigError);
    assert.throws(() => loadAuthServerConfig({ AUTH_SERVER_PORT: '70000' }), /AUTH_SERVER_PORT must be/);
    assert.throws(() => loadAuthServerConfig({ AUTH_SERVER_ISSUER: 'nope' }), /AUTH_SERVER_ISSUER must be/);
    assert.throws(
      () => loadAuthServerConfig({ AUTH_SERVER_ISSUER: 'https://a.example/?x=1' }),
      /query or fragment/,
    );
  });

  it('drops a trailing slash from the issuer', () => {
    assert.equal(
      loadAuthServerConfig({ AUTH_SERVER_ISSUER: 'https://idp.example.com/' }).issuer,
      'https://idp.example.com',
    );
  });
});
