import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../../../src/config.js';
import { parseTrustProxy } from '../../../../src/server/security/trust-proxy.js';

describe('parseTrustProxy', () => {
  it('trusts nothing for false or 0', () => {
    assert.deepEqual(parseTrustProxy('false'), { ok: true, value: false });
    assert.deepEqual(parseTrustProxy('0'), { ok: true, value: false });
  });

  it('takes a hop count, 1 behind a single reverse proxy', () => {
    assert.deepEqual(parseTrustProxy('1'), { ok: true, value: 1 });
    assert.deepEqual(parseTrustProxy(' 2 '), { ok: true, value: 2 });
  });

  it('takes addresses, CIDR ranges and express range names', () => {
    const verdict = parseTrustProxy('loopback, 10.0.0.0/8,fd00::/8, 192.168.1.10');
    assert.deepEqual(verdict, { ok: true, value: ['loopback', '10.0.0.0/8', 'fd00::/8', '192.168.1.10'] });
  });

  it('refuses true, because it believes whatever the client sends', () => {
    const verdict = parseTrustProxy('true');
    assert.equal(verdict.ok, false);
    assert.match(verdict.ok ? '' : verdict.message, /hops/);
  });

  it('refuses an absurd hop count, a bad prefix and a host name', () => {
    for (const raw of ['11', '10.0.0.0/33', 'caddy', '1.2.3.4/8/1', ',']) {
      const verdict = parseTrustProxy(raw);
      assert.equal(verdict.ok, false, raw);
      assert.match(verdict.ok ? '' : verdict.message, /^TRUST_PROXY /, raw);
    }
  });
});

describe('TRUST_PROXY in the configuration', () => {
  it('defaults to trusting no proxy', () => {
    assert.equal(loadConfig({}).trustProxy, false);
  });

  it('stops start-up with a message that names the variable', () => {
    assert.throws(
      () => loadConfig({ TRUST_PROXY: 'caddy' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /TRUST_PROXY must be false, a hop count/);
        assert.match(error.message, /"caddy"/);
        return true;
      },
    );
  });
});
