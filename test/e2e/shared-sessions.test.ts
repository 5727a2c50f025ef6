import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { createApiKey } from '../../src/server/auth/api-keys.js';
import { metricsUrlOf, requireBinary, sampleValue, scrape } from '../helpers/metrics.js';
import {
  ACCEPT_BOTH,
  initializeRequest,
  legacyHeaders,
  openLegacySession,
  post,
} from '../helpers/raw-mcp.js';
import { type Replicas, startReplicas } from '../helpers/replicas.js';
import { readSse, type SseEvent } from '../helpers/sse.js';

// Three Beacon replicas share one real 'redis-server' (Debian package redis-server).
requireBinary('redis-server', 'redis-server');

type Message = {
  method?: string;
  id?: unknown;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: { code: number };
};

function callRequest(id: number, items: number, delayMs: number) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: {
      name: 'process_items',
      arguments: { items: Array.from({ length: items }, (_, i) => `item ${i + 1}`), delayMs },
      _meta: { progressToken: `call-${id}` },
    },
  };
}

/** Reads a call's stream in the background, keeping every event and the JSON-RPC message in it. */
function follow(res: Response) {
  const events: (SseEvent & { message?: Message })[] = [];
  const done = (async () => {
    for await (const event of readSse(res.body as ReadableStream<Uint8Array>)) {
      events.push({
        ...event,
        message: event.data.startsWith('{') ? (JSON.parse(event.data) as Message) : undefined,
      });
    }
  })().catch(() => undefined);
  const progress = () => events.filter((e) => e.message?.method === 'notifications/progress');
  const until = async (check: () => boolean, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline)
        throw new Error(
          `stream condition not met in ${ms} ms: ${JSON.stringify(events.map((e) => e.message))}`,
        );
      await new Promise((wake) => setTimeout(wake, 20));
    }
  };
  return { events, done, progress, until };
}

/** Resumes a session's stream on `url` after `lastEventId`; the last message, within the lease + 5 s. */
async function resumedAnswer(url: string, sessionId: string, lastEventId: string) {
  const resumed = follow(
    await fetch(url, {
      headers: { Accept: 'text/event-stream', 'Last-Event-ID': lastEventId, ...legacyHeaders(sessionId) },
    }),
  );
  await Promise.race([
    resumed.done,
    new Promise((_, fail) =>
      setTimeout(() => fail(new Error('no answer within the lease time + 5 s')), 7000),
    ),
  ]);
  return resumed.events.at(-1)?.message;
}

describe('2025-era sessions across three replicas sharing Redis', () => {
  let cluster: Replicas;
  const url = (i: number) => cluster.nodes[i]?.mcpUrl ?? '';
  before(async () => {
    cluster = await startReplicas(3, {
      env: { CALL_LEASE_MS: '2000', MAX_SESSIONS: '50', LEGACY_SSE: 'true' },
    });
  });
  after(() => cluster.stop());

  it('serves a session created on A from B and C: POST, GET and DELETE, then 404 everywhere', async () => {
    const id = await openLegacySession(url(0));
    const list = await post(url(1), { jsonrpc: '2.0', id: 2, method: 'tools/list' }, legacyHeaders(id));
    assert.equal(list.status, 200);
    assert.match(await list.text(), /process_items/);
    const standalone = await fetch(url(2), {
      headers: { Accept: 'text/event-stream', ...legacyHeaders(id) },
    });
    assert.equal(standalone.status, 200);
    assert.match(standalone.headers.get('content-type') ?? '', /text\/event-stream/);
    await standalone.body?.cancel();
    const call = await post(url(2), callRequest(3, 2, 0), legacyHeaders(id));
    assert.match(await call.text(), /Processed 2 items/);
    const deleted = await fetch(url(1), { method: 'DELETE', headers: legacyHeaders(id) });
    assert.equal(deleted.status, 200);
    for (let i = 0; i < 3; i++) {
      const gone = await post(url(i), { jsonrpc: '2.0', id: 9, method: 'tools/list' }, legacyHeaders(id));
      assert.equal(gone.status, 404, `replica ${i + 1} still serves a deleted session`);
    }
    // B rebuilt the session to answer it, and says so in its request line and metrics.
    const b = cluster.nodes[1];
    assert.ok(b?.lines.some((line) => line.includes('"session_adopted":true')));
    assert.ok(
      sampleValue(await scrape(await metricsUrlOf(b as never)), 'beacon_sessions_adopted_total') >= 1,
    );
  });

  it('answers 404 for an unknown session on every replica', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await post(
        url(i),
        { jsonrpc: '2.0', id: 1, method: 'tools/list' },
        legacyHeaders('no-such-session'),
      );
      assert.equal(res.status, 404);
    }
  });

  it('applies logging/setLevel sent to B to a call running on A', async () => {
    const id = await openLegacySession(url(0));
    const stream = follow(await post(url(0), callRequest(5, 8, 250), legacyHeaders(id)));
    await stream.until(() => stream.progress().length >= 1);
    const set = await post(
      url(1),
      { jsonrpc: '2.0', id: 6, method: 'logging/setLevel', params: { level: 'error' } },
      legacyHeaders(id),
    );
    assert.match(await set.text(), /"result"/);
    const setAt = stream.events.length;
    await stream.done;
    // After the level reached A (one item's time is plenty), no info message follows.
    const later = stream.events.slice(setAt + 2).filter((e) => e.message?.method === 'notifications/message');
    assert.deepEqual(
      later.map((e) => e.message?.params?.level),
      [],
    );
    assert.equal(stream.progress().length, 8);
  });

  it('stops a call running on A when C receives notifications/cancelled', async () => {
    const id = await openLegacySession(url(0));
    const stream = follow(await post(url(0), callRequest(7, 20, 200), legacyHeaders(id)));
    await stream.until(() => stream.progress().length >= 1);
    const cancel = await post(
      url(2),
      { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'user' } },
      legacyHeaders(id),
    );
    assert.equal(cancel.status, 202);
    const seen = stream.progress().length;
    await Promise.race([stream.done, new Promise((wake) => setTimeout(wake, 2000))]);
    assert.ok(
      stream.progress().length <= seen + 1,
      `progress went on after the cancellation: ${stream.progress().length}`,
    );
    const metrics = await scrape(await metricsUrlOf(cluster.nodes[0] as never));
    assert.ok(sampleValue(metrics, 'beacon_tool_calls_total', { outcome: 'cancelled' }) >= 1);
  });

  it('ends a call running on A when the session is deleted on B', async () => {
    const id = await openLegacySession(url(0));
    const stream = follow(await post(url(0), callRequest(8, 20, 200), legacyHeaders(id)));
    await stream.until(() => stream.progress().length >= 1);
    const deleted = await fetch(url(1), { method: 'DELETE', headers: legacyHeaders(id) });
    assert.equal(deleted.status, 200);
    await Promise.race([
      stream.done,
      new Promise((_, fail) => setTimeout(() => fail(new Error('stream on A kept going')), 5000)),
    ]);
    assert.ok(stream.progress().length < 20);
  });

  it('resumes a dropped stream on another replica: the missed events, then the rest live, then the result', async () => {
    const id = await openLegacySession(url(0));
    const abort = new AbortController();
    const first = follow(await post(url(0), callRequest(11, 8, 250), legacyHeaders(id), abort.signal));
    await first.until(() => first.progress().length >= 2);
    const lastId = first.progress()[1]?.id ?? '';
    abort.abort();
    const resumed = follow(
      await fetch(url(1), {
        headers: { Accept: 'text/event-stream', 'Last-Event-ID': lastId, ...legacyHeaders(id) },
      }),
    );
    await resumed.done;
    const values = resumed.progress().map((e) => e.message?.params?.progress);
    assert.deepEqual(values, [3, 4, 5, 6, 7, 8], 'every later progress once, in order');
    const final = resumed.events.at(-1)?.message;
    assert.equal(final?.id, 11);
    assert.match(JSON.stringify(final?.result), /Processed 8 items/);
    // Live: the events after the drop arrived spread out, not in one replay burst.
    const times = resumed.progress().map((e) => e.receivedAt);
    assert.ok((times.at(-1) ?? 0) - (times[0] ?? 0) > 500);
  });

  it('HTTP+SSE: delivers a message posted to B to the stream held by A, and the answer arrives there', async () => {
    const [a, b] = [cluster.nodes[0]?.origin ?? '', cluster.nodes[1]?.origin ?? ''];
    const stream = await fetch(`${a}/sse`, { headers: { Accept: 'text/event-stream' } });
    assert.equal(stream.status, 200);
    const events = follow(stream);
    await events.until(() => events.events.some((e) => e.event === 'endpoint'));
    const endpoint = events.events.find((e) => e.event === 'endpoint')?.data ?? '';
    const send = (message: unknown) =>
      fetch(new URL(endpoint, b), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(message),
      });
    assert.equal(
      (
        await send({
          ...initializeRequest(1),
          params: { ...initializeRequest(1).params, protocolVersion: '2024-11-05' },
        })
      ).status,
      202,
    );
    await events.until(() => events.events.some((e) => e.message?.id === 1));
    assert.equal((await send({ jsonrpc: '2.0', method: 'notifications/initialized' })).status, 202);
    assert.equal((await send(callRequest(2, 2, 0))).status, 202);
    await events.until(() => events.events.some((e) => e.message?.id === 2));
    const answer = events.events.find((e) => e.message?.id === 2)?.message;
    assert.match(JSON.stringify(answer?.result), /Processed 2 items/);
    // Another principal's or an unknown session id is refused the same way on every replica.
    const unknown = await fetch(`${b}/messages?sessionId=nope`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    assert.equal(unknown.status, 404);
    await stream.body?.cancel().catch(() => undefined);
  });

  it('keeps MAX_SESSIONS for all replicas together', async () => {
    const small = await startReplicas(3, { env: { MAX_SESSIONS: '2' } });
    try {
      const [a, b, c] = small.nodes.map((node) => node.mcpUrl) as [string, string, string];
      const first = await openLegacySession(a);
      await openLegacySession(b);
      const third = await post(c, initializeRequest(), { Accept: ACCEPT_BOTH });
      assert.equal(third.status, 503);
      assert.equal(third.headers.get('retry-after'), '5');
      // A place comes back when a session ends, whichever replica ends it.
      assert.equal((await fetch(c, { method: 'DELETE', headers: legacyHeaders(first) })).status, 200);
      assert.ok(await openLegacySession(b));
    } finally {
      await small.stop();
    }
  });
});

describe('sessions stay with their principal on every replica, and Redis holds no credential', () => {
  const alice = createApiKey('alice', ['mcp:tools']);
  const bob = createApiKey('bob', ['mcp:tools']);
  let cluster: Replicas;
  before(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'beacon-keys-'));
    const keysFile = join(dir, 'keys.json');
    await writeFile(keysFile, JSON.stringify([alice.entry, bob.entry]));
    cluster = await startReplicas(3, { env: { AUTH_MODE: 'apikey', API_KEYS_FILE: keysFile } });
  });
  after(() => cluster.stop());

  it('answers 404 to another principal on every replica, and serves the owner on all', async () => {
    const [a, b, c] = cluster.nodes.map((node) => node.mcpUrl) as [string, string, string];
    const as = (key: string) => ({ Authorization: `Bearer ${key}` });
    const id = await openLegacySession(a, as(alice.key));
    for (const target of [a, b, c]) {
      const theirs = await post(
        target,
        { jsonrpc: '2.0', id: 2, method: 'tools/list' },
        { ...legacyHeaders(id), ...as(bob.key) },
      );
      assert.equal(theirs.status, 404);
      const mine = await post(
        target,
        { jsonrpc: '2.0', id: 3, method: 'tools/list' },
        { ...legacyHeaders(id), ...as(alice.key) },
      );
      assert.equal(mine.status, 200);
      await mine.body?.cancel();
    }
    const call = await post(b, callRequest(4, 2, 0), { ...legacyHeaders(id), ...as(alice.key) });
    assert.match(await call.text(), /Processed 2 items/);

    const client = createClient({ url: cluster.redis.url });
    await client.connect();
    try {
      const dump: string[] = [];
      for await (const keys of client.scanIterator({ COUNT: 100 })) {
        for (const key of keys) dump.push(key, JSON.stringify(await client.sendCommand(['DUMP', key])));
      }
      const text = dump.join('\n');
      assert.ok(dump.length > 2, 'the run left keys to inspect');
      for (const secret of [alice.key, bob.key, alice.entry.sha256, 'alice', 'bob']) {
        assert.equal(text.includes(secret), false, `Redis holds ${secret.slice(0, 6)}…`);
      }
    } finally {
      await client.quit();
    }
  });
});

describe('a replica killed mid-call never leaves the client hanging', () => {
  let cluster: Replicas;
  before(async () => {
    cluster = await startReplicas(3, { env: { CALL_LEASE_MS: '2000' } });
  });
  after(() => cluster.stop());

  it('answers the call with a definite error on another replica within the lease time', async () => {
    const [a, b] = cluster.nodes.map((node) => node.mcpUrl) as [string, string];
    const id = await openLegacySession(a);
    const stream = follow(await post(a, callRequest(21, 50, 300), legacyHeaders(id)));
    await stream.until(() => stream.progress().length >= 2);
    const lastId = stream.progress()[1]?.id ?? '';
    cluster.nodes[0]?.child.kill('SIGKILL');
    const killedAt = performance.now();
    const final = await resumedAnswer(b, id, lastId);
    assert.equal(final?.id, 21);
    assert.equal(final?.error?.code, -32005);
    console.log(`killed replica's call answered after ${Math.round(performance.now() - killedAt)} ms`);
  });

  it('holds the lease before the stream is primed, so a kill right after the first event id is answered', async () => {
    const [, b, c] = cluster.nodes.map((node) => node.mcpUrl) as [string, string, string];
    const id = await openLegacySession(b);
    // No item finishes for 5 s: the only event the client has is the priming one.
    const stream = follow(await post(b, callRequest(22, 2, 5000), legacyHeaders(id)));
    await stream.until(() => stream.events.length >= 1);
    const primed = stream.events[0];
    assert.equal(primed?.data, '', 'the first event primes the stream');
    const redis = createClient({ url: cluster.redis.url });
    await redis.connect();
    try {
      const due = await redis.zScore('beacon:leases', JSON.stringify([id, 22]));
      assert.ok(due !== null, 'the call lease is in Redis by the time its stream is primed');
    } finally {
      await redis.quit();
    }
    cluster.nodes[1]?.child.kill('SIGKILL');
    const final = await resumedAnswer(c, id, primed?.id ?? '');
    assert.equal(final?.id, 22);
    assert.equal(final?.error?.code, -32005);
  });
});
