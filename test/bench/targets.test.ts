import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createClient } from 'redis';
import { newAgent } from '../../bench/lib/http.js';
import { closeSession, openSession } from '../../bench/lib/session.js';
import { createBenchKey, startTarget, TARGETS, type TargetSpec } from '../../bench/lib/targets.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-targets-'));
const key = createBenchKey(dir);
const spec = TARGETS.find((t) => t.name === 'beacon-redis') as TargetSpec;
after(() => rmSync(dir, { recursive: true, force: true }));

/** Processes this test process started that still run (not zombies), by command name. */
function childrenNamed(name: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const [, comm = '', rest = ''] = /^\d+ \((.*)\) (.*)$/s.exec(stat) ?? [];
        const [state, ppid] = rest.split(' ');
        return comm === name && state !== 'Z' && Number(ppid) === process.pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Asserts none is left; kills any that is, so a leak fails this test instead of hanging the file. */
function assertNoRedisLeft(): void {
  const left = childrenNamed('redis-server');
  for (const pid of left) process.kill(pid, 'SIGKILL');
  assert.deepEqual(left, [], 'redis-server left running');
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('bench target beacon-redis', () => {
  it('runs Beacon on a redis-server of its own, which keeps its 2025 sessions, and stops both', async () => {
    const target = await startTarget(spec, key);
    const redisPort = Number(new URL(target.redisUrl ?? 'redis://absent').port);
    try {
      assert.ok(
        redisPort >= 20_000 && redisPort < 32_000,
        `redis port ${redisPort} outside the harness block`,
      );
      const ready = await fetch(new URL('/readyz', target.endpoint.url));
      assert.deepEqual(await ready.json(), { status: 'ready', redis: 'up' });
      const agent = newAgent(target.endpoint);
      const sessionId = await openSession(target.endpoint, agent);
      const redis = createClient({ url: target.redisUrl });
      await redis.connect();
      try {
        const keys = await redis.keys(`*{${sessionId}}*`);
        assert.ok(
          keys.some((k) => k.endsWith(':session')),
          `session keys: ${keys.join(', ')}`,
        );
      } finally {
        await redis.close();
        await closeSession(target.endpoint, agent, sessionId);
        agent.destroy();
      }
    } finally {
      await target.stop();
    }
    assert.equal(await accepts(redisPort), false, 'redis-server still listening after stop()');
    assertNoRedisLeft();
  });

  it('stops its redis-server when Beacon fails to start', async () => {
    await assert.rejects(
      startTarget(spec, key, { env: { REDIS_KEY_PREFIX: 'not a prefix' } }),
      /beacon-redis: exited with \d+: .*REDIS_KEY_PREFIX must be/s,
    );
    assertNoRedisLeft();
  });
});
