import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Client,
  ClientCredentialsProvider,
  LOG_LEVEL_META_KEY,
  type OAuthClientProvider,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { LIMITED, MACHINE, TestOAuthProvider, USERS, useProtectedStack } from '../helpers/auth-stack.js';

function connectWith(url: string, authProvider: OAuthClientProvider) {
  const client = new Client({ name: 'auth-e2e', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider, maxStepUpRetries: 1 });
  return { client, transport, connect: () => client.connect(transport) };
}

/** Calls process_items and records every notification as it arrives. */
async function callStreaming(client: Client, items: string[]) {
  const logs: string[] = [];
  const progress: number[] = [];
  client.setNotificationHandler('notifications/message', (n) => {
    logs.push(n.params.level);
  });
  const result = await client.callTool(
    { name: 'process_items', arguments: { items, delayMs: 20 }, _meta: { [LOG_LEVEL_META_KEY]: 'info' } },
    { onprogress: (p) => progress.push(p.progress) },
  );
  return { result, logs, progress };
}

describe('OAuth with the real development authorization server', () => {
  const tokensSeen: string[] = [];
  const stack = useProtectedStack(() => tokensSeen);

  it('discovers everything from a 401, registers, signs in with PKCE and streams a tool call', async () => {
    const provider = new TestOAuthProvider();
    const first = connectWith(stack.beacon.mcpUrl, provider);
    await assert.rejects(first.connect(), UnauthorizedError);

    // The SDK found the authorization server through the resource metadata and registered (DCR).
    const authorizeUrl = provider.authorizationUrls[0];
    assert.ok(authorizeUrl, 'the SDK sent the user to the authorization server');
    assert.equal(authorizeUrl.origin, new URL(stack.auth.issuer).origin);
    assert.equal(authorizeUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorizeUrl.searchParams.get('resource'), stack.beacon.mcpUrl);
    assert.match(authorizeUrl.searchParams.get('scope') ?? '', /mcp:tools/);
    assert.ok(provider.clientInformation()?.client_id, 'registered with DCR');

    const callback = await provider.signIn('alice', USERS.alice.password);
    assert.equal(callback.get('iss'), stack.auth.issuer, 'RFC 9207: iss in the authorization response');
    assert.equal(callback.get('state'), provider.lastState);
    await first.transport.finishAuth(callback);
    const token = provider.tokens()?.access_token;
    assert.ok(token);
    tokensSeen.push(token);

    const second = connectWith(stack.beacon.mcpUrl, provider);
    await second.connect();
    const { result, logs, progress } = await callStreaming(second.client, ['one', 'two', 'three']);
    assert.deepEqual(progress, [1, 2, 3]);
    assert.equal(logs.filter((l) => l === 'info').length, 3);
    assert.equal((result.structuredContent as { processed: number }).processed, 3);
    await second.client.close();
  });

  it('gets in with client credentials, the token bound to this server by a resource indicator', async () => {
    const provider = new ClientCredentialsProvider({
      clientId: MACHINE.clientId,
      clientSecret: MACHINE.secret,
      expectedIssuer: stack.auth.issuer,
    });
    const { client, connect } = connectWith(stack.beacon.mcpUrl, provider);
    await connect();
    const token = provider.tokens()?.access_token ?? '';
    tokensSeen.push(token);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    assert.equal(claims.aud, stack.beacon.mcpUrl);
    assert.equal(claims.iss, stack.auth.issuer);
    const { result, progress } = await callStreaming(client, ['a', 'b']);
    assert.deepEqual(progress, [1, 2]);
    assert.equal(result.isError, undefined);
    await client.close();
  });

  it('steps up on 403 insufficient_scope: a user without mcp:tools lists, then re-authorises to call', async () => {
    const provider = new TestOAuthProvider();
    const first = connectWith(stack.beacon.mcpUrl, provider);
    await assert.rejects(first.connect(), UnauthorizedError);
    await first.transport.finishAuth(await provider.signIn('viewer', USERS.viewer.password));
    tokensSeen.push(provider.tokens()?.access_token ?? '');

    const session = connectWith(stack.beacon.mcpUrl, provider);
    await session.connect();
    const { tools } = await session.client.listTools();
    assert.ok(
      tools.some((t) => t.name === 'process_items'),
      'listing needs no scope',
    );

    // tools/call: 403 insufficient_scope → the SDK asks for mcp:tools again (one step-up).
    await assert.rejects(callStreaming(session.client, ['x']), UnauthorizedError);
    assert.equal(provider.authorizationUrls.length, 2);
    assert.match(provider.authorizationUrls[1]?.searchParams.get('scope') ?? '', /mcp:tools/);
    await session.transport.finishAuth(await provider.signIn('alice', USERS.alice.password));
    tokensSeen.push(provider.tokens()?.access_token ?? '');

    const stepped = connectWith(stack.beacon.mcpUrl, provider);
    await stepped.connect();
    const { result } = await callStreaming(stepped.client, ['x']);
    assert.equal((result.structuredContent as { processed: number }).processed, 1);
    await stepped.client.close();
  });

  it("refuses a client that may not obtain mcp:tools with the authorization server's invalid_scope", async () => {
    const provider = new ClientCredentialsProvider({
      clientId: LIMITED.clientId,
      clientSecret: LIMITED.secret,
      expectedIssuer: stack.auth.issuer,
    });
    const { client, connect } = connectWith(stack.beacon.mcpUrl, provider);
    await assert.rejects(connect(), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'invalid_scope');
      return true;
    });
    assert.equal(provider.tokens(), undefined);
    await client.close();
  });
});
