import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startBeacon } from '../helpers/beacon-process.js';

const CLI = resolve(import.meta.dirname, '../../dist/cli.js');

/** Runs `beacon healthcheck` the way a container HEALTHCHECK does, and returns its exit code. */
async function healthcheck(port: number): Promise<number | null> {
  const child = spawn(process.execPath, [CLI, 'healthcheck'], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), AUTH_MODE: 'none' },
    stdio: 'ignore',
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

describe('health and readiness', () => {
  it('answers /healthz and /readyz with 200 while serving', async () => {
    const beacon = await startBeacon();
    try {
      const health = await fetch(`${beacon.origin}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      const ready = await fetch(`${beacon.origin}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ready' });
    } finally {
      await beacon.stop();
    }
  });

  it('flips /readyz to 503 during the SIGTERM drain while a call finishes, then exits 0', async () => {
    const beacon = await startBeacon({ env: { SHUTDOWN_DELAY_MS: '1000', SHUTDOWN_GRACE_MS: '20000' } });
    const client = new Client(
      { name: 'readiness', version: '1.0.0' },
      { versionNegotiation: { mode: 'auto' } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(beacon.mcpUrl)));
    const readyzSeen: number[] = [];
    let exit: Promise<number | null> | undefined;
    let polling: Promise<void> | undefined;
    let callDone = false;
    const deadline = Date.now() + 20_000;
    const poll = async () => {
      while (!callDone && beacon.child.exitCode === null && Date.now() < deadline) {
        const res = await fetch(`${beacon.origin}/readyz`).catch(() => undefined);
        if (res) {
          readyzSeen.push(res.status);
          await res.body?.cancel();
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const call = client.callTool(
      { name: 'process_items', arguments: { items: ['a', 'b', 'c', 'd', 'e', 'f'], delayMs: 300 } },
      {
        onprogress: (p) => {
          if (p.progress !== 1) return;
          exit = beacon.stop('SIGTERM');
          polling = poll();
        },
      },
    );
    const result = await call.finally(() => {
      callDone = true;
    });
    await polling;
    assert.equal((result.structuredContent as { processed: number }).processed, 6, 'the call ran to the end');
    assert.ok(readyzSeen.includes(503), `readyz answered ${readyzSeen.join(',')} during the drain`);
    assert.equal(await exit, 0);
    const draining = beacon.lines.findIndex((l) => l.includes('"msg":"draining"'));
    const stopped = beacon.lines.findIndex((l) => l.includes('"msg":"stopped"'));
    assert.ok(draining >= 0 && stopped > draining);
  });

  it('beacon healthcheck exits 0 against a live server and 1 once it is gone', async () => {
    const beacon = await startBeacon();
    assert.equal(await healthcheck(beacon.port), 0);
    assert.equal(await beacon.stop(), 0);
    assert.equal(await healthcheck(beacon.port), 1);
  });
});
