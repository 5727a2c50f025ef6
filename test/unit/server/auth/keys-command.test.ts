import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256Hex } from '../../../../src/server/auth/api-keys.js';
import { runKeys } from '../../../../src/server/auth/keys-command.js';

function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = runKeys(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

describe('beacon keys create', () => {
  it('prints the key once, then the entry that matches it', () => {
    const { code, stdout } = run(['create', '--id', 'ci-bot', '--scopes', 'mcp:tools,extra']);
    assert.equal(code, 0);
    const [key = '', json = ''] = stdout.trimEnd().split('\n');
    assert.match(key, /^bk_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(JSON.parse(json), {
      id: 'ci-bot',
      sha256: sha256Hex(key),
      scopes: ['mcp:tools', 'extra'],
    });
  });

  it('defaults to mcp:tools and allows an empty scope list', () => {
    assert.deepEqual(JSON.parse(run(['create', '--id', 'a']).stdout.split('\n')[1] ?? '').scopes, [
      'mcp:tools',
    ]);
    assert.deepEqual(
      JSON.parse(run(['create', '--id', 'a', '--scopes', '']).stdout.split('\n')[1] ?? '').scopes,
      [],
    );
  });

  it('refuses a bad command line with exit 2 and a message naming the flag', () => {
    assert.match(run(['create']).stderr, /--id is required/);
    assert.equal(run(['create', '--id', 'a b']).code, 2);
    assert.match(run(['create', '--id', 'a', '--scopes', 'x"y']).stderr, /--scopes/);
    assert.match(run(['rotate']).stderr, /expected the subcommand "create"/);
    assert.equal(run(['create', '--bogus']).code, 2);
  });
});
