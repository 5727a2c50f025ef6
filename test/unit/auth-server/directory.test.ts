import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadClients, Users } from '../../../src/auth-server/directory.js';
import { hashPassword } from '../../../src/auth-server/passwords.js';

describe('auth-server clients and users files', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'beacon-as-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('turns confidential clients into client-credentials clients, plus the code flow with redirect URIs', async () => {
    const path = join(dir, 'clients.json');
    await writeFile(
      path,
      JSON.stringify([
        { client_id: 'm', client_secret: 'a-long-enough-secret', scope: 'mcp:tools' },
        {
          client_id: 'w',
          client_secret: 'a-long-enough-secret',
          scope: 'mcp:tools',
          redirect_uris: ['https://app.example/cb'],
        },
      ]),
    );
    const [machine, web] = await loadClients(path);
    assert.deepEqual(machine?.grant_types, ['client_credentials']);
    assert.deepEqual(machine?.response_types, []);
    assert.deepEqual(web?.grant_types, ['client_credentials', 'authorization_code', 'refresh_token']);
    assert.deepEqual(await loadClients(undefined), []);
  });

  it('refuses short secrets and missing scopes, naming the variable and entry', async () => {
    const path = join(dir, 'bad-clients.json');
    await writeFile(path, JSON.stringify([{ client_id: 'm', client_secret: 'short', scope: 'mcp:tools' }]));
    await assert.rejects(loadClients(path), /AUTH_SERVER_CLIENTS_FILE .* at \[0\]\.\[client_secret\]/);
    await writeFile(
      path,
      JSON.stringify([{ client_id: 'm', client_secret: 'a-long-enough-secret', scope: '' }]),
    );
    await assert.rejects(loadClients(path), /scope must be space-separated/);
  });

  it('signs in users by their hashed password and refuses plain-text passwords in the file', async () => {
    const path = join(dir, 'users.json');
    await writeFile(path, JSON.stringify([{ username: 'ann', password: await hashPassword('pw-ann-1') }]));
    const users = await Users.load(path);
    assert.equal((await users.authenticate('ann', 'pw-ann-1'))?.username, 'ann');
    assert.equal(await users.authenticate('ann', 'wrong'), undefined);
    assert.equal(await users.authenticate('nobody', 'pw-ann-1'), undefined);
    await writeFile(path, JSON.stringify([{ username: 'ann', password: 'pw-ann-1' }]));
    await assert.rejects(Users.load(path), /AUTH_SERVER_USERS_FILE .*password must be a scrypt hash/);
  });
});
