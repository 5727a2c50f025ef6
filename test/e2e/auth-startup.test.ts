import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiKey } from '../../src/server/auth/api-keys.js';
import { type AuthFixtures, startProtectedBeacon, writeAuthFixtures } from '../helpers/auth-stack.js';
import { startBeacon } from '../helpers/beacon-process.js';
import { modernRequest, post } from '../helpers/raw-mcp.js';

describe('auth configuration at start-up', () => {
  it('refuses AUTH_MODE=none on HOST=0.0.0.0 with exit 78 and a message naming both', async () => {
    await assert.rejects(
      startBeacon({ env: { AUTH_MODE: 'none', HOST: '0.0.0.0' } }),
      /exited \(78\)[\s\S]*AUTH_MODE=none is allowed only when HOST is a loopback address \(got HOST="0\.0\.0\.0"\)/,
    );
  });

  it('refuses AUTH_MODE=apikey without API_KEYS_FILE', async () => {
    await assert.rejects(
      startBeacon({ env: { AUTH_MODE: 'apikey' } }),
      /exited \(78\)[\s\S]*API_KEYS_FILE must name/,
    );
  });

  it('with no AUTH_MODE and no credentials, serves on loopback but refuses any other address', async () => {
    const local = await startBeacon({ env: { AUTH_MODE: '' } });
    try {
      const res = await post(
        local.mcpUrl,
        modernRequest('tools/list').body,
        modernRequest('tools/list').headers,
      );
      assert.equal(res.status, 200);
      await res.body?.cancel();
      assert.ok(local.lines.some((line) => line.includes('authentication is off')));
    } finally {
      await local.stop();
    }
    await assert.rejects(
      startBeacon({ env: { AUTH_MODE: '', HOST: '0.0.0.0' } }),
      /exited \(78\)[\s\S]*authentication is required: set API_KEYS_FILE/,
    );
  });

  it('refuses AUTH_MODE=oauth without OAUTH_ISSUER, and an unknown mode', async () => {
    await assert.rejects(
      startBeacon({ env: { AUTH_MODE: 'oauth' } }),
      /exited \(78\)[\s\S]*OAUTH_ISSUER must be set/,
    );
    await assert.rejects(
      startBeacon({ env: { AUTH_MODE: 'apikey,saml' } }),
      /exited \(78\)[\s\S]*AUTH_MODE must be none/,
    );
  });
});

describe('brute-force throttling', () => {
  let fixtures: AuthFixtures;
  before(async () => {
    fixtures = await writeAuthFixtures();
  });
  after(() => fixtures.cleanup());

  it('answers 429 with Retry-After once an address has failed too often, even with a good key', async () => {
    const beacon = await startProtectedBeacon(fixtures, undefined, {
      AUTH_FAILURE_LIMIT: '3',
      AUTH_FAILURE_WINDOW_MS: '60000',
    });
    try {
      const { body, headers } = modernRequest('tools/list');
      const attempt = (key: string) =>
        post(beacon.mcpUrl, body, { ...headers, Authorization: `Bearer ${key}` });
      // Successes never count against the budget.
      for (let i = 0; i < 5; i++) assert.equal((await attempt(fixtures.keys.alice)).status, 200);
      for (let i = 0; i < 3; i++) assert.equal((await attempt(createApiKey('guess', []).key)).status, 401);
      const throttled = await attempt(fixtures.keys.alice);
      assert.equal(throttled.status, 429);
      const retryAfter = Number(throttled.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      const error = await throttled.json();
      assert.equal(error.jsonrpc, '2.0');
      assert.match(error.error.message, /Too many failed authentication attempts/);
    } finally {
      await beacon.stop();
    }
  });
});
