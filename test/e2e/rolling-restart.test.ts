import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEV_API_KEY, type Stack, startStack } from '../../scripts/stack/stack.js';
import { sessionHash } from '../../src/server/observability/log-context.js';
import type { BeaconProcess } from '../helpers/beacon-process.js';
import { eventually } from '../helpers/eventually.js';
import { metricsUrlOf, requireBinary, sampleValue, scrape } from '../helpers/metrics.js';
import { type CallRecord, type Load, startLoad, tally } from '../helpers/stack-clients.js';

/**
 * The acceptance test of the replicated deployment: Caddy (TLS, the repository's Caddyfile), a
 * password-protected redis-server and three replicas, with SDK clients of both eras calling
 * without pause. A rolling restart (SIGTERM, one replica at a time) must fail no call and keep
 * every 2025 session; a `kill -9` must leave no call hanging.
 */

requireBinary('caddy', 'caddy');
requireBinary('redis-server', 'redis-server');

const LEASE_MS = 3000;
/** How long after a kill -9 every call it interrupted must have its answer. */
const ANSWER_WITHIN_MS = LEASE_MS + 5000;
/** Above ANSWER_WITHIN_MS: a call nothing answers fails as hung, with that message. */
const CALL_TIMEOUT_MS = ANSWER_WITHIN_MS + 2000;
/** Caddy checks /readyz every second; a restarted replica is back in rotation after the next check. */
const HEALTH_CHECK_SETTLE_MS = 1500;

/**
 * Caddy 2.6.2 retries no POST (see the Caddyfile): a POST that dials a replica that just died,
 * before Caddy has seen any request to it fail, gets Caddy's bodiless 502 at once, and from then
 * on Caddy skips that replica. When the replica's running calls all broke mid-stream, which Caddy
 * does not count as a failure, a call started just after the death can be that first POST. It is
 * a definite answer the client can retry, not a lost call; any other error is not.
 */
function refusedByCaddyAtDeath(call: CallRecord, diedAt: number): boolean {
  return (
    call.error?.endsWith('Error POSTing to endpoint: ') === true &&
    call.startedAt - diedAt < HEALTH_CHECK_SETTLE_MS
  );
}

describe('rolling restart and kill -9 under load: Caddy, redis-server, three replicas', () => {
  let stack: Stack;
  let dir: string;
  let load: Load;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'beacon-roll-'));
    stack = await startStack({
      dir,
      replicas: 3,
      serverEnv: {
        // Longer than Caddy's 1 s health check, so a stopping replica leaves rotation while it serves.
        SHUTDOWN_DELAY_MS: '2500',
        SHUTDOWN_GRACE_MS: '10000',
        CALL_LEASE_MS: String(LEASE_MS),
        // The load makes thousands of calls a minute with one key.
        RATE_LIMIT_PER_MINUTE: '0',
      },
    });
    load = await startLoad(
      { url: stack.mcpUrl, caPem: stack.caPem, apiKey: DEV_API_KEY },
      { modernLoops: 6, sessions: 4, v1Session: true, callTimeoutMs: CALL_TIMEOUT_MS },
    );
  });
  after(async () => {
    await load?.stop();
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('restarts every replica in turn with SIGTERM: no call fails, every 2025 session is kept', async (t) => {
    await sleep(1000);
    for (let i = 0; i < stack.servers.length; i++) {
      await stack.restartReplica(i, 'SIGTERM');
      await sleep(HEALTH_CHECK_SETTLE_MS);
    }
    const lastRestart = performance.now();
    const during = load.calls.length;
    // A busy machine makes fewer calls during the roll: the count is a floor, not a speed.
    await eventually(
      'every 2025 session made a call after the last restart, and 1,000 calls in all',
      () =>
        load.calls.length >= 1000 && load.sessions.every((session) => session.lastOkAt > lastRestart)
          ? true
          : undefined,
      30_000,
    );

    const counts = tally(load.calls);
    const kept = load.sessions.filter((session) => session.lastOkAt > lastRestart).length;
    const resumed = load.sessions.reduce((sum, session) => sum + session.resumptions, 0);
    t.diagnostic(
      `rolling restart: ${counts.total} calls (${during} by the end of the roll), ${counts.failed} failed; ` +
        `2025 sessions ${kept}/${load.sessions.length} kept (${resumed} stream resumptions)`,
    );
    assert.deepEqual(counts.errors, {});
    assert.equal(kept, load.sessions.length);
  });

  it('kill -9 of a replica: the calls it ran end with a definite error or complete, none hangs; all others succeed', async (t) => {
    // The replica the first session's requests hash to: it is running that session's calls.
    const hash = sessionHash(load.sessions[0]?.sessionId ?? '');
    const marks = stack.servers.map((server) => server.lines.length);
    await sleep(500);
    const victim = stack.servers.findIndex((server, i) =>
      server.lines.slice(marks[i]).some((line) => line.includes(hash)),
    );
    assert.ok(victim >= 0, 'a replica serves the first session');
    const survivors = stack.servers.filter((_, i) => i !== victim);
    const expiredBefore = await leasesExpired(survivors);

    // A call started between the signal and the process's death may still have reached it.
    let diedAt = Number.POSITIVE_INFINITY;
    stack.servers[victim]?.child.once('exit', () => {
      diedAt = performance.now();
    });
    const killedAt = performance.now();
    await stack.restartReplica(victim, 'SIGKILL');
    // Every call running at the kill has had its answer, and calls went on a while after it.
    await sleep(Math.max(0, killedAt + CALL_TIMEOUT_MS + 1000 - performance.now()));
    await load.stop();

    const running = load.calls.filter((call) => call.startedAt < diedAt && call.endedAt > killedAt);
    const later = load.calls.filter((call) => call.startedAt >= diedAt);
    const interrupted = tally(running);
    const expired = (await leasesExpired(stack.servers)) - expiredBefore;
    t.diagnostic(
      `kill -9 of replica ${victim + 1}: ${running.length} calls running, ${interrupted.ok} ok, ` +
        `${interrupted.failed - interrupted.hung} definite errors, ${interrupted.hung} hung; ` +
        `${later.length} calls after it, ${tally(later).failed} failed ` +
        `(${later.filter((call) => refusedByCaddyAtDeath(call, diedAt)).length} refused by Caddy at the death); ` +
        `${expired} leases expired ` +
        JSON.stringify(interrupted.errors),
    );
    assert.deepEqual(slowAnswers(running, killedAt), [], 'calls answered later than the lease + 5 s');
    assert.equal(interrupted.hung, 0, JSON.stringify(interrupted.errors));
    const refusedAtDeath = later.filter((call) => refusedByCaddyAtDeath(call, diedAt));
    assert.ok(refusedAtDeath.length <= 2, `${refusedAtDeath.length} POSTs refused by Caddy at the death`);
    assert.deepEqual(
      later
        .filter((call) => call.error !== undefined && !refusedByCaddyAtDeath(call, diedAt))
        .map((call) => `${call.client} +${Math.round(call.startedAt - diedAt)} ms: ${call.error}`),
      [],
      'calls started once the replica was dead',
    );
    assert.ok(later.length > 0, 'calls went on after the kill');
  });
});

/** The calls that ended more than ANSWER_WITHIN_MS after the kill, described. */
function slowAnswers(calls: readonly CallRecord[], killedAt: number): string[] {
  return calls
    .filter((call) => call.endedAt - killedAt > ANSWER_WITHIN_MS)
    .map((call) => `${call.client}: ${Math.round(call.endedAt - killedAt)} ms, ${call.error ?? 'ok'}`);
}

/** Calls answered with -32005 because their replica stopped renewing the lease, summed over `servers`. */
async function leasesExpired(servers: readonly BeaconProcess[]): Promise<number> {
  let total = 0;
  for (const server of servers) {
    total += sampleValue(await scrape(await metricsUrlOf(server)), 'beacon_call_leases_expired_total');
  }
  return total;
}
