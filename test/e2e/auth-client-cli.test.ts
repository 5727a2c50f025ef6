import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { leakedSecrets, MACHINE, signInAt, USERS, useProtectedStack } from '../helpers/auth-stack.js';
import { type CliOptions, runBeaconCli } from '../helpers/beacon-cli.js';

/** `beacon call` as a real process, its config dir in the fixtures; `onStderr` sees each stderr line live. */
function beaconCall(
  args: string[],
  configDir: string,
  onStderr?: (line: string) => void,
  more: Pick<CliOptions, 'onSpawn' | 'onLine'> = {},
) {
  return runBeaconCli(['call', ...args], {
    env: { HOME: configDir, XDG_CONFIG_HOME: configDir },
    onStderrLine: (line) => {
      if (line) onStderr?.(line);
    },
    ...more,
  });
}

const progressLines = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((line) => line.type === 'progress');

describe('beacon call against a protected server', () => {
  const stack = useProtectedStack();

  it('--oauth-client-credentials discovers the issuer from the 401 and streams the call', async () => {
    const run = await beaconCall(
      [
        '--url',
        stack.beacon.mcpUrl,
        '--oauth-client-credentials',
        '--client-id',
        MACHINE.clientId,
        '--client-secret',
        MACHINE.secret,
        '--json',
        'process_items',
        'a',
        'b',
      ],
      stack.fixtures.dir,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(progressLines(run.stdout).length, 2);
    assert.ok(!run.stderr.includes('expectedIssuer'), 'the issuer is pinned, not left to the server');
  });

  it('--client-secret-file keeps the secret out of argv (what ps shows) and out of the output', async () => {
    const secretFile = join(stack.fixtures.dir, 'machine-secret');
    await writeFile(secretFile, `${MACHINE.secret}\n`, { mode: 0o600 });
    let pid = 0;
    let argvWhileRunning = '';
    const run = await beaconCall(
      [
        '--url',
        stack.beacon.mcpUrl,
        '--oauth-client-credentials',
        '--client-id',
        MACHINE.clientId,
        '--client-secret-file',
        secretFile,
        '--json',
        'process_items',
        'a',
        'b',
      ],
      stack.fixtures.dir,
      undefined,
      {
        onSpawn: (spawned) => {
          pid = spawned;
        },
        // Read at the first streamed line, while the call is in flight: the argv `ps` lists.
        onLine: () => {
          argvWhileRunning ||= readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        },
      },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(progressLines(run.stdout).length, 2);
    assert.match(argvWhileRunning, /--client-secret-file \S+machine-secret/);
    assert.deepEqual(
      leakedSecrets(`${argvWhileRunning}\n${run.stdout}\n${run.stderr}`, [MACHINE.secret]),
      [],
    );
  });

  it('an API key without mcp:tools lists nothing to call: exit 4 and the missing scope named', async () => {
    const run = await beaconCall(
      ['--url', stack.beacon.mcpUrl, '--api-key', stack.fixtures.keys.lister, 'process_items', 'a'],
      stack.fixtures.dir,
    );
    assert.equal(run.code, 4, run.stderr);
    assert.match(run.stderr, /403/);
  });

  it('--oauth prints the sign-in URL, takes the loopback redirect, and caches tokens per issuer (0600)', async () => {
    const args = ['--url', stack.beacon.mcpUrl, '--oauth', '--json', 'process_items', 'x'];
    let signIn: Promise<void> | undefined;
    const first = await beaconCall(args, stack.fixtures.dir, (line) => {
      const url = /sign in to continue: (\S+)/.exec(line)?.[1];
      if (!url || signIn) return;
      signIn = (async () => {
        const start = new URL(url);
        const redirect = await signInAt(
          start,
          'alice',
          USERS.alice.password,
          start.searchParams.get('redirect_uri') ?? '',
        );
        const res = await fetch(redirect);
        assert.equal(res.status, 200);
        await res.body?.cancel();
      })();
    });
    await signIn;
    assert.equal(first.code, 0, first.stderr);
    assert.equal(progressLines(first.stdout).length, 1);

    const cacheDir = join(stack.fixtures.dir, 'beacon', 'oauth');
    const [file] = await readdir(cacheDir);
    assert.ok(file, 'a cache file for the issuer');
    assert.equal((await stat(join(cacheDir, file))).mode & 0o777, 0o600);
    assert.equal((await stat(cacheDir)).mode & 0o777, 0o700);

    // The second run uses the cached token: no sign-in.
    const second = await beaconCall(args, stack.fixtures.dir);
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stderr, /sign in to continue/);
  });

  it('refuses a bad combination of credential flags with exit 2', async () => {
    const both = await beaconCall(
      ['--url', stack.beacon.mcpUrl, '--oauth', '--api-key', 'bk_x', 't'],
      stack.fixtures.dir,
    );
    assert.equal(both.code, 2);
    assert.match(both.stderr, /choose one of/);
    const noSecret = await beaconCall(
      ['--url', stack.beacon.mcpUrl, '--oauth-client-credentials', '--client-id', 'x', 't'],
      stack.fixtures.dir,
    );
    assert.equal(noSecret.code, 2);
    assert.match(noSecret.stderr, /needs --client-id and --client-secret/);
  });
});
