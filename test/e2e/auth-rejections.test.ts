import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { base64url, SignJWT } from 'jose';
import { createApiKey } from '../../src/server/auth/api-keys.js';
import {
  clientCredentialsToken,
  issuerPublicJwk,
  LIMITED,
  MACHINE,
  signWithIssuerKey,
  useProtectedStack,
} from '../helpers/auth-stack.js';
import { legacyHeaders, modernRequest, openLegacySession, post } from '../helpers/raw-mcp.js';

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

function listTools() {
  const { body, headers } = modernRequest('tools/list');
  return { body, headers };
}

function callTool() {
  return modernRequest('tools/call', { name: 'process_items', arguments: { items: ['a'], delayMs: 0 } });
}

async function expectUnauthorized(res: Response) {
  assert.equal(res.status, 401);
  const challenge = res.headers.get('www-authenticate') ?? '';
  assert.match(challenge, /^Bearer /);
  assert.match(
    challenge,
    /resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/,
  );
  assert.match(challenge, /scope="mcp:tools"/);
  const body = await res.json();
  assert.equal(body.jsonrpc, '2.0');
  assert.match(body.error.message, /Unauthorized/);
}

describe('refusals at the authentication layer', () => {
  const tokensSeen: string[] = [];
  const stack = useProtectedStack(() => tokensSeen);
  const withKey = (key: string, request = listTools()) =>
    post(stack.beacon.mcpUrl, request.body, { ...request.headers, ...bearer(key) });
  const withToken = (token: string, request = listTools()) => {
    tokensSeen.push(token);
    return post(stack.beacon.mcpUrl, request.body, { ...request.headers, ...bearer(token) });
  };
  /** The claims a genuine token for this server carries, to vary one at a time. */
  const claims = (overrides: Record<string, unknown> = {}) => ({
    sub: 'forger',
    client_id: 'forger',
    scope: 'mcp:tools',
    iss: stack.auth.issuer,
    aud: stack.beacon.mcpUrl,
    iat: Math.floor(Date.now() / 1000),
    exp: Math.floor(Date.now() / 1000) + 600,
    ...overrides,
  });

  /** The reasons the server logged for refusals so far (the client is only ever told "invalid"). */
  const loggedReasons = () =>
    stack.beacon.lines.flatMap((line) => {
      const entry = JSON.parse(line);
      return entry.msg === 'authentication failed' ? [String(entry.auth?.reason)] : [];
    });
  /** 401 for this request, and the server logged exactly this reason for it. */
  const refusedFor = async (reason: string, response: Promise<Response>) => {
    const before = loggedReasons().length;
    await expectUnauthorized(await response);
    for (let i = 0; i < 100 && loggedReasons().length === before; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(loggedReasons().at(-1), reason);
  };

  it('publishes RFC 9728 resource metadata at the path-aware and the root location', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const res = await fetch(`${stack.beacon.origin}${path}`);
      assert.equal(res.status, 200, path);
      const metadata = await res.json();
      assert.equal(metadata.resource, stack.beacon.mcpUrl);
      assert.deepEqual(metadata.authorization_servers, [stack.auth.issuer]);
      assert.deepEqual(metadata.scopes_supported, ['mcp:tools']);
      assert.deepEqual(metadata.bearer_methods_supported, ['header']);
    }
  });

  it('answers other discovery probes with a plain 404, not a challenge', async () => {
    const res = await fetch(`${stack.beacon.origin}/.well-known/oauth-authorization-server`);
    assert.equal(res.status, 404);
    assert.equal((await res.json()).jsonrpc, '2.0');
  });

  it('answers no credentials with 401 and a challenge naming the metadata and scope', async () => {
    const { body, headers } = listTools();
    await refusedFor('missing', post(stack.beacon.mcpUrl, body, headers));
  });

  it('answers a wrong API key with 401, and a right one (bearer or X-API-Key) with 200', async () => {
    const wrong = createApiKey('nobody', ['mcp:tools']).key;
    await refusedFor('unknown_key', withKey(wrong));
    assert.equal((await withKey(stack.fixtures.keys.alice)).status, 200);
    const { body, headers } = listTools();
    const viaHeader = await post(stack.beacon.mcpUrl, body, {
      ...headers,
      'X-API-Key': stack.fixtures.keys.alice,
    });
    assert.equal(viaHeader.status, 200);
  });

  it('accepts a token from the issuer for this resource', async () => {
    const token = await clientCredentialsToken(stack.auth.issuer, MACHINE, stack.beacon.mcpUrl);
    assert.equal((await withToken(token)).status, 200);
  });

  it('refuses an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    await refusedFor(
      'expired',
      withToken(await signWithIssuerKey(stack.fixtures, claims({ iat: now - 7200, exp: now - 3600 }))),
    );
  });

  it('refuses a token the issuer minted for another resource', async () => {
    const token = await clientCredentialsToken(stack.auth.issuer, MACHINE, 'http://127.0.0.1:1/other-mcp');
    await refusedFor('audience', withToken(token));
  });

  it('refuses a token with a tampered payload', async () => {
    const genuine = await clientCredentialsToken(stack.auth.issuer, MACHINE, stack.beacon.mcpUrl);
    const [header, payload, signature] = genuine.split('.') as [string, string, string];
    const altered = JSON.parse(new TextDecoder().decode(base64url.decode(payload)));
    altered.sub = 'admin';
    await refusedFor(
      'signature',
      withToken(`${header}.${base64url.encode(JSON.stringify(altered))}.${signature}`),
    );
  });

  it('refuses alg none', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }));
    const payload = base64url.encode(JSON.stringify(claims()));
    await refusedFor('algorithm', withToken(`${header}.${payload}.`));
  });

  it('refuses HS256 signed with the issuer public key (algorithm confusion)', async () => {
    const jwk = await issuerPublicJwk(stack.fixtures);
    const { createPublicKey } = await import('node:crypto');
    const pem = createPublicKey({ key: jwk, format: 'jwk' } as never).export({ type: 'spki', format: 'pem' });
    const forged = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', kid: jwk.kid })
      .sign(new TextEncoder().encode(String(pem)));
    await refusedFor('algorithm', withToken(forged));
  });

  it('refuses a token from another issuer, even signed with a trusted key', async () => {
    await refusedFor(
      'issuer',
      withToken(await signWithIssuerKey(stack.fixtures, claims({ iss: 'http://127.0.0.1:1' }))),
    );
  });

  it('lists with any valid credential but answers tools/call without mcp:tools with 403 insufficient_scope', async () => {
    assert.equal((await withKey(stack.fixtures.keys.lister)).status, 200);
    for (const res of [
      await withKey(stack.fixtures.keys.lister, callTool()),
      await withToken(
        await clientCredentialsToken(stack.auth.issuer, LIMITED, stack.beacon.mcpUrl, 'openid'),
        callTool(),
      ),
    ]) {
      assert.equal(res.status, 403);
      const challenge = res.headers.get('www-authenticate') ?? '';
      assert.match(challenge, /error="insufficient_scope"/);
      assert.match(challenge, /scope="mcp:tools"/);
      assert.match(challenge, /resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp"/);
      assert.equal((await res.json()).jsonrpc, '2.0');
    }
    assert.equal((await withKey(stack.fixtures.keys.alice, callTool())).status, 200);
  });

  it('finds tools/call in a 2025 body without Mcp-Method, batches included', async () => {
    const sessionId = await openLegacySession(stack.beacon.mcpUrl, bearer(stack.fixtures.keys.lister));
    const call = {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'process_items', arguments: { items: ['a'] } },
    };
    const headers = { ...legacyHeaders(sessionId), ...bearer(stack.fixtures.keys.lister) };
    assert.equal((await post(stack.beacon.mcpUrl, call, headers)).status, 403);
    assert.equal((await post(stack.beacon.mcpUrl, [call], headers)).status, 403);
  });

  it('refuses credentials in the query string, valid or not, without reading them', async () => {
    const { body, headers } = listTools();
    for (const query of [`access_token=${stack.fixtures.keys.alice}`, 'api_key=whatever']) {
      const res = await post(`${stack.beacon.mcpUrl}?${query}`, body, {
        ...headers,
        ...bearer(stack.fixtures.keys.alice),
      });
      assert.equal(res.status, 400);
      assert.match((await res.json()).error.message, /query string/);
    }
    const health = await fetch(`${stack.beacon.origin}/healthz?access_token=x`);
    assert.equal(health.status, 400, 'everywhere, not only on /mcp');
  });

  it('hides a legacy session from a second principal: POST, GET and DELETE all get 404', async () => {
    const sessionId = await openLegacySession(stack.beacon.mcpUrl, bearer(stack.fixtures.keys.alice));
    const asBob = { ...legacyHeaders(sessionId), ...bearer(stack.fixtures.keys.bob) };
    const ping = { jsonrpc: '2.0', id: 7, method: 'ping' };
    assert.equal((await post(stack.beacon.mcpUrl, ping, asBob)).status, 404);
    const get = await fetch(stack.beacon.mcpUrl, { headers: { ...asBob, Accept: 'text/event-stream' } });
    assert.equal(get.status, 404);
    await get.body?.cancel();
    assert.equal((await fetch(stack.beacon.mcpUrl, { method: 'DELETE', headers: asBob })).status, 404);
    // Alice's session survived all three.
    const asAlice = { ...legacyHeaders(sessionId), ...bearer(stack.fixtures.keys.alice) };
    const res = await post(stack.beacon.mcpUrl, ping, asAlice);
    assert.equal(res.status, 200);
    await res.body?.cancel();
  });

  it('forgets verified tokens on SIGHUP and verifies them again against freshly fetched keys', async () => {
    const token = await clientCredentialsToken(stack.auth.issuer, MACHINE, stack.beacon.mcpUrl);
    assert.equal((await withToken(token)).status, 200);
    assert.equal((await withToken(token)).status, 200);
    const since = stack.beacon.lines.length;
    const forgotten = stack.beacon.waitForLog(
      (e) => e.msg === 'verified tokens forgotten; issuer keys fetched again on next use',
      undefined,
      since,
    );
    const reloaded = stack.beacon.waitForLog((e) => e.msg === 'API keys reloaded', undefined, since);
    stack.beacon.child.kill('SIGHUP');
    await forgotten;
    await reloaded;
    assert.equal((await withToken(token)).status, 200);
    const forged = await signWithIssuerKey(stack.fixtures, claims({ aud: 'http://127.0.0.1:1/other' }));
    await refusedFor('audience', withToken(forged));
  });

  it('reloads API_KEYS_FILE on SIGHUP: a new key gets in, a removed one is out', async () => {
    const carol = createApiKey('carol', ['mcp:tools']);
    await refusedFor('unknown_key', withKey(carol.key));
    // Lister's key was accepted just before, so its verdict is remembered: the reload must drop it.
    assert.equal((await withKey(stack.fixtures.keys.lister)).status, 200);
    // Keep alice and bob, drop lister, add carol.
    const current = JSON.parse(await readFile(stack.fixtures.keysFile, 'utf8'));
    const next = [...current.filter((e: { id: string }) => e.id !== 'lister'), carol.entry];
    await writeFile(stack.fixtures.keysFile, JSON.stringify(next));
    const reloaded = stack.beacon.waitForLog(
      (e) => e.msg === 'API keys reloaded',
      undefined,
      stack.beacon.lines.length,
    );
    stack.beacon.child.kill('SIGHUP');
    assert.equal((await reloaded).keys, 3);
    assert.equal((await withKey(carol.key)).status, 200);
    await refusedFor('unknown_key', withKey(stack.fixtures.keys.lister));
    stack.fixtures.secrets.push(carol.key);
  });

  it('keeps the previous keys when the reloaded file is broken', async () => {
    await writeFile(stack.fixtures.keysFile, '{ not json');
    const failed = stack.beacon.waitForLog(
      (e) => e.msg === 'API keys not reloaded; previous keys kept',
      undefined,
      stack.beacon.lines.length,
    );
    stack.beacon.child.kill('SIGHUP');
    assert.match(String((await failed).err), /API_KEYS_FILE .* not valid JSON/);
    assert.equal((await withKey(stack.fixtures.keys.alice)).status, 200);
  });
});
