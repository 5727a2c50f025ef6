import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../../../src/config.js';
import { ApiKeyStore, createApiKey, parseKeyFile, sha256Hex } from '../../../../src/server/auth/api-keys.js';

describe('API keys', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'beacon-keys-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('creates bk_ keys of 32 random bytes and stores only their sha256', () => {
    const { key, entry } = createApiKey('ci', ['mcp:tools']);
    assert.match(key, /^bk_[A-Za-z0-9_-]{43}$/);
    assert.equal(entry.sha256, sha256Hex(key));
    assert.deepEqual(entry, { id: 'ci', sha256: entry.sha256, scopes: ['mcp:tools'] });
    assert.notEqual(createApiKey('ci', []).key, key);
  });

  it('verifies a listed key to its id and scopes, and nothing else', async () => {
    const a = createApiKey('a', ['mcp:tools']);
    const b = createApiKey('b', []);
    const path = join(dir, 'keys.json');
    await writeFile(path, JSON.stringify([a.entry, b.entry]));
    const store = await ApiKeyStore.open(path);
    assert.deepEqual(store.verify(a.key), { id: 'a', scopes: ['mcp:tools'] });
    assert.deepEqual(store.verify(b.key), { id: 'b', scopes: [] });
    assert.equal(store.verify(createApiKey('c', []).key), undefined);
    assert.equal(store.verify(''), undefined);
  });

  it('keeps the previous keys when a reload finds a broken file', async () => {
    const a = createApiKey('a', []);
    const path = join(dir, 'reload.json');
    await writeFile(path, JSON.stringify([a.entry]));
    const store = await ApiKeyStore.open(path);
    await writeFile(path, '[{"id":"x"}]');
    await assert.rejects(store.reload(), ConfigError);
    assert.deepEqual(store.verify(a.key), { id: 'a', scopes: [] });
  });

  it('recalls only keys it verified since the last reload', async () => {
    const a = createApiKey('a', ['mcp:tools']);
    const b = createApiKey('b', []);
    const path = join(dir, 'recall.json');
    await writeFile(path, JSON.stringify([a.entry, b.entry]));
    const store = await ApiKeyStore.open(path);
    assert.equal(store.recall(a.key), undefined, 'nothing is recalled before a full check');
    store.verify(a.key);
    const wrong = createApiKey('x', []).key;
    store.verify(wrong);
    assert.deepEqual(store.recall(a.key), { id: 'a', scopes: ['mcp:tools'] });
    assert.equal(store.recall(wrong), undefined, 'a failed key is never remembered');
    assert.equal(store.recall(b.key), undefined);

    // A reload that removes the key: its verdict goes with it.
    await writeFile(path, JSON.stringify([b.entry]));
    await store.reload();
    assert.equal(store.recall(a.key), undefined);
    assert.equal(store.verify(a.key), undefined);
  });

  it('names API_KEYS_FILE and the faulty entry in its errors', async () => {
    await assert.rejects(ApiKeyStore.open(undefined), /API_KEYS_FILE must name a JSON key file/);
    await assert.rejects(
      ApiKeyStore.open(join(dir, 'absent.json')),
      /API_KEYS_FILE .*absent\.json cannot be read \(ENOENT\)/,
    );
    assert.throws(() => parseKeyFile('{', 'k.json'), /API_KEYS_FILE k\.json is not valid JSON/);
    assert.throws(
      () => parseKeyFile('[{"id":"a","sha256":"zz","scopes":[]}]', 'k.json'),
      /at \[0\]\.\[sha256\]: sha256 must be 64 hex/,
    );
    const entry = createApiKey('dup', []).entry;
    assert.throws(() => parseKeyFile(JSON.stringify([entry, entry]), 'k.json'), /duplicate id "dup"/);
  });
});
