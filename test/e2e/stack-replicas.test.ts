import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEV_API_KEY, type Stack, startStack } from '../../scripts/stack/stack.js';
import { sessionHash } from '../../src/server/observability/log-context.js';
import { metricsUrlOf, requireBinary, sampleValue, scrape } from '../helpers/metrics.js';
import { type Load, startLoad, tally } from '../helpers/stack-clients.js';
import { isPost, type RequestLine, replicasServing } from '../helpers/stack-logs.js';

/**
 * `npm run stack -- --replicas 3` as the tests run it: Caddy (TLS, the repository's Caddyfile)
 * in front of three replicas sharing a password-protected redis-server. Every request goes
 * through https://localhost:<port>; which replica answered is read from the replicas' own logs.
 */

requireBinary('caddy', 'caddy');
requireBinary('redis-server', 'redis-server');

describe('the native replicated stack: Caddy, redis-server and three replicas', () => {
  let stack: Stack;
  let dir: string;
  let load: Load | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'beacon-replicas-'));
    stack = await startStack({
      dir,
      replicas: 3,
      // Longer than Caddy's 1 s health check: a stopping replica leaves rotation while it still serves.
      serverEnv: { SHUTDOWN_DELAY_MS: '2500', RATE_LIMIT_PER_MINUTE: '0' },
    });
  });
  after(async () => {
    await load?.stop();
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves one 2025 session from several replicas, across a replica being stopped, and 2026-07-28 calls from all', async (t) => {
    load = await startLoad(
      { url: stack.mcpUrl, caPem: stack.caPem, apiKey: DEV_API_KEY },
      { modernLoops: 2, sessions: 2, v1Session: true, callTimeoutMs: 10_000 },
    );
    const [session] = load.sessions;
    assert.ok(session);
    const hash = sessionHash(session.sessionId);
    const ofSession = (line: RequestLine) => isPost(line) && line.session === hash;

    await sleep(2000);
    // Caddy hashes Mcp-Session-Id, so one replica has served the session so far; stop it.
    const [home] = await replicasServing(stack, ofSession);
    assert.ok(home !== undefined, 'a replica logged the session');
    await stack.restartReplica(home, 'SIGTERM');
    const restartedAt = performance.now();
    await sleep(2500);
    await load.stop();

    const counts = tally(load.calls);
    t.diagnostic(`${counts.total} calls, ${counts.failed} failed ${JSON.stringify(counts.errors)}`);
    assert.equal(counts.failed, 0, JSON.stringify(counts.errors));
    for (const each of load.sessions) {
      assert.ok(each.lastOkAt > restartedAt, `${each.client} made no call after the restart`);
    }

    const sessionReplicas = await replicasServing(stack, ofSession);
    assert.ok(sessionReplicas.length >= 2, `session served by replicas ${sessionReplicas}`);
    let adopted = 0;
    for (const server of stack.servers) {
      adopted += sampleValue(await scrape(await metricsUrlOf(server)), 'beacon_sessions_adopted_total');
    }
    assert.ok(adopted >= 1, 'a replica adopted a session from Redis');

    // Caddy's least_conn counts the sessions' open GET streams as requests in flight, so while they
    // last a replica holding two more of them than another gets no stateless call. With the
    // sessions closed, three loops at once find every replica.
    load = await startLoad(
      { url: stack.mcpUrl, caPem: stack.caPem, apiKey: DEV_API_KEY },
      { modernLoops: 3, sessions: 0, callTimeoutMs: 10_000 },
    );
    await sleep(1500);
    await load.stop();
    const spread = tally(load.calls);
    assert.ok(spread.total >= 3 && spread.failed === 0, JSON.stringify(spread));
    const modern = await replicasServing(stack, (line) => isPost(line) && line.era === '2026-07-28');
    assert.deepEqual(modern, [0, 1, 2], 'least_conn spreads 2026-07-28 calls over every replica');
  });
});
