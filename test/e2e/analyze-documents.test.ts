import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, LOG_LEVEL_META_KEY, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { type BeaconProcess, startBeacon } from '../helpers/beacon-process.js';

interface FileResult {
  path: string;
  status: string;
  bytes: number | null;
  type: string;
  reason?: string;
}

describe('analyze_documents over MCP, against a real DATA_DIR', () => {
  let beacon: BeaconProcess;
  let root: string;
  let client: Client;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'beacon-docs-'));
    const data = join(root, 'data');
    await mkdir(join(data, 'notes'), { recursive: true });
    await writeFile(join(data, 'readme.md'), '# Title\n\nSome words here.\n');
    await writeFile(join(data, 'notes', 'list.csv'), 'a,b\n1,2\n');
    await writeFile(join(root, 'outside.txt'), 'secret outside the data dir');
    await symlink(join(root, 'outside.txt'), join(data, 'link.txt'));
    // Sparse: 5 GiB on paper, nothing on disk; over the cap, so never read.
    await writeFile(join(data, 'huge.bin'), '');
    await truncate(join(data, 'huge.bin'), 5 * 1024 ** 3);
    beacon = await startBeacon({ env: { DATA_DIR: data, MAX_FILE_BYTES: '1048576' } });
    client = new Client({ name: 'docs-test', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new StreamableHTTPClientTransport(new URL(beacon.mcpUrl)));
  });
  after(async () => {
    await client.close();
    await beacon.stop();
    await rm(root, { recursive: true, force: true });
  });

  const call = (args: Record<string, unknown>, onLog?: (level: string) => void) => {
    if (onLog) {
      client.setNotificationHandler('notifications/message', (n) => {
        onLog(n.params.level);
      });
    }
    return client.callTool({
      name: 'analyze_documents',
      arguments: args,
      _meta: { [LOG_LEVEL_META_KEY]: 'info' },
    });
  };

  it('streams one notification per file and reports each', async () => {
    const progress: number[] = [];
    const result = await client.callTool(
      {
        name: 'analyze_documents',
        arguments: { paths: ['readme.md', 'notes/list.csv'] },
        _meta: { [LOG_LEVEL_META_KEY]: 'info' },
      },
      { onprogress: (p) => progress.push(p.progress) },
    );
    const files = (result.structuredContent as { files: FileResult[] }).files;
    assert.deepEqual(progress, [1, 2]);
    assert.deepEqual(
      files.map((f) => [f.path, f.status, f.type]),
      [
        ['readme.md', 'ok', 'markdown'],
        ['notes/list.csv', 'ok', 'csv'],
      ],
    );
    assert.equal(files[0]?.bytes, 26);
  });

  for (const [path, why] of [
    ['../outside.txt', /outside|escape|\.\./i],
    ['/etc/passwd', /absolute/i],
    ['link.txt', /link/i],
    ['readme.md\u0000.txt', /NUL/i],
  ] as const) {
    it(`refuses ${JSON.stringify(path)} with a tool error naming it, and reads nothing`, async () => {
      const result = await call({ paths: ['readme.md', path] });
      assert.equal(result.isError, true);
      const text = JSON.stringify(result.content);
      assert.match(text, why);
      assert.doesNotMatch(text, /secret outside the data dir/);
      assert.doesNotMatch(
        text,
        new RegExp(root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
        'no server path leaks',
      );
    });
  }

  it('fails a file over MAX_FILE_BYTES by its size, with an error log, and goes on', async () => {
    const levels: string[] = [];
    const result = await call({ paths: ['huge.bin', 'readme.md'] }, (level) => levels.push(level));
    const files = (result.structuredContent as { files: FileResult[] }).files;
    assert.equal(files[0]?.status, 'failed');
    assert.match(files[0]?.reason ?? '', /1048576|size|large/i);
    assert.equal(files[1]?.status, 'ok');
    assert.ok(levels.includes('error'));
  });
});
