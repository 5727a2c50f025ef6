import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseCallArgs, UsageError } from '../../../src/client/args.js';
import { LoopbackCallback } from '../../../src/client/loopback-callback.js';
import { TokenCache, userConfigDir } from '../../../src/client/token-cache.js';

const URL_FLAG = ['--url', 'http://127.0.0.1:3000/mcp'];
const authOf = (...argv: string[]) => {
  const parsed = parseCallArgs([...URL_FLAG, ...argv, 'process_items']);
  assert.equal(parsed.kind, 'call');
  return parsed.kind === 'call' ? parsed.options.auth : undefined;
};

describe('OAuth flags of beacon call', () => {
  it('parses client credentials and the browser sign-in, with an optional pinned issuer', () => {
    assert.deepEqual(authOf('--oauth-client-credentials', '--client-id', 'c', '--client-secret', 's'), {
      kind: 'oauth-client-credentials',
      clientId: 'c',
      clientSecret: 's',
      issuer: undefined,
    });
    assert.deepEqual(authOf('--oauth', '--issuer', 'https://idp.example.com'), {
      kind: 'oauth',
      issuer: 'https://idp.example.com',
    });
  });

  it('refuses mixed or incomplete credentials, naming the flags', () => {
    assert.throws(() => authOf('--oauth', '--token', 't'), /choose one of/);
    assert.throws(
      () => authOf('--oauth-client-credentials', '--client-id', 'c'),
      /needs --client-id and --client-secret/,
    );
    assert.throws(() => authOf('--client-id', 'c'), /go with --oauth-client-credentials/);
    assert.throws(() => authOf('--issuer', 'https://idp.example.com'), /--issuer goes with/);
    assert.throws(() => authOf('--oauth', '--issuer', 'ftp://x'), UsageError);
  });
});

describe('token cache', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'beacon-cache-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('follows the platform convention for the config directory', () => {
    assert.equal(userConfigDir({ XDG_CONFIG_HOME: '/x' }, 'linux'), '/x');
    assert.equal(userConfigDir({ HOME: '/home/u' }, 'linux'), '/home/u/.config');
    assert.equal(userConfigDir({ HOME: '/Users/u' }, 'darwin'), '/Users/u/Library/Application Support');
    assert.equal(userConfigDir({ APPDATA: 'C:\\AppData' }, 'win32'), 'C:\\AppData');
  });

  it('keeps one 0600 file per issuer, tokens by resource, and ignores a file for another issuer', async () => {
    const cache = await TokenCache.open(dir, 'https://a.example');
    await cache.update((record) => {
      record.tokens['https://mcp.example/mcp'] = { access_token: 'at', token_type: 'Bearer' };
    });
    assert.equal((await stat(cache.path)).mode & 0o777, 0o600);
    const again = await TokenCache.open(dir, 'https://a.example');
    assert.equal(again.tokensFor('https://mcp.example/mcp')?.access_token, 'at');
    assert.equal(again.tokensFor('https://other.example/mcp'), undefined);
    const other = await TokenCache.open(dir, 'https://b.example');
    assert.notEqual(other.path, cache.path);
    assert.equal(other.tokensFor('https://mcp.example/mcp'), undefined);
    assert.equal(JSON.parse(await readFile(cache.path, 'utf8')).issuer, 'https://a.example');
  });
});

describe('loopback callback', () => {
  it('answers a foreign state with 400 and resolves on the matching one', async () => {
    const callback = await LoopbackCallback.listen();
    try {
      assert.match(callback.redirectUrl, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
      const waiting = callback.wait('s1', AbortSignal.timeout(5000));
      assert.equal((await fetch(`${callback.redirectUrl}?code=c&state=other`)).status, 400);
      const res = await fetch(`${callback.redirectUrl}?code=c&state=s1&iss=https%3A%2F%2Fidp`);
      assert.equal(res.status, 200);
      const params = await waiting;
      assert.equal(params.get('code'), 'c');
      assert.equal(params.get('iss'), 'https://idp');
    } finally {
      callback.close();
    }
  });

  it('gives up when the signal aborts', async () => {
    const callback = await LoopbackCallback.listen();
    try {
      await assert.rejects(callback.wait('s', AbortSignal.timeout(50)), /timeout|aborted/i);
    } finally {
      callback.close();
    }
  });
});
