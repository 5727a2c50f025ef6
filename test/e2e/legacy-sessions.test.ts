import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { type BeaconProcess, startBeacon } from '../helpers/beacon-process.js';
import { legacyHeaders, openLegacySession, post } from '../helpers/raw-mcp.js';
import { messagesOf, readSse, type SseEvent } from '../helpers/sse.js';

interface Seen {
  kind: 'progress' | 'log';
  at: number;
  level?: string;
  progress?: number;
}

/** A real 2025-11-25 peer: the SDK v1 client, sessions and all. */
async function connectV1(url: string) {
  const client = new Client({ name: 'sdk-v1-peer', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  const seen: Seen[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    seen.push({ kind: 'log', at: performance.now(), level: n.params.level });
  });
  return { client, transport, seen };
}

/** The server's own account of the next tool call to end from now on. */
function nextToolEnd(beacon: BeaconProcess) {
  return beacon.waitForLog(
    (e) => e.msg === 'tool call ended' && e.era === '2025-11-25',
    15_000,
    beacon.lines.length,
  );
}

describe('2025-11-25 sessions with the SDK v1 client', () => {
  let beacon: BeaconProcess;
  before(async () => {
    beacon = await startBeacon({ env: { SESSION_IDLE_TIMEOUT_MS: '1500' } });
  });
  after(() => beacon.stop());

  it('streams every notification live, before the result', async () => {
    const { client, seen } = await connectV1(beacon.mcpUrl);
    assert.equal(client.getServerCapabilities()?.logging !== undefined, true);
    await client.setLoggingLevel('info');
    const items = ['alpha', 'beta', 'gamma', 'delta'];
    const started = performance.now();
    const result = await client.callTool(
      { name: 'process_items', arguments: { items, delayMs: 150 } },
      undefined,
      { onprogress: (p) => seen.push({ kind: 'progress', at: performance.now(), progress: p.progress }) },
    );
    const resultAt = performance.now();
    const progress = seen.filter((s) => s.kind === 'progress');
    assert.deepEqual(
      progress.map((p) => p.progress),
      [1, 2, 3, 4],
    );
    assert.equal(seen.filter((s) => s.level === 'info').length, 4);
    assert.equal(seen.filter((s) => s.level === 'debug').length, 0, 'debug is below the session level');
    // Live, not batched: the first progress arrives long before the result.
    const first = progress[0]?.at ?? resultAt;
    assert.ok(
      resultAt - first >= 300,
      `first progress only ${Math.round(resultAt - first)} ms before the result`,
    );
    assert.ok(first - started < resultAt - started);
    assert.deepEqual((result.structuredContent as { processed: number }).processed, 4);
    await client.close();
  });

  it('applies logging/setLevel per session', async () => {
    const quiet = await connectV1(beacon.mcpUrl);
    const chatty = await connectV1(beacon.mcpUrl);
    await quiet.client.setLoggingLevel('warning');
    await chatty.client.setLoggingLevel('debug');
    const args = { name: 'process_items', arguments: { items: ['one', '', 'three'], delayMs: 0 } };
    await Promise.all([quiet.client.callTool(args), chatty.client.callTool(args)]);
    assert.deepEqual(
      quiet.seen.map((s) => s.level),
      ['warning'],
    );
    const chattyLevels = chatty.seen.map((s) => s.level);
    assert.equal(chattyLevels.filter((l) => l === 'info').length, 3);
    assert.equal(chattyLevels.filter((l) => l === 'debug').length, 3);
    assert.equal(chattyLevels.filter((l) => l === 'warning').length, 1);
    await Promise.all([quiet.client.close(), chatty.client.close()]);
  });

  it('cancels a call with notifications/cancelled and the server stops work', async () => {
    const { client } = await connectV1(beacon.mcpUrl);
    const controller = new AbortController();
    let progressSeen = 0;
    const ended = nextToolEnd(beacon);
    const call = client.callTool(
      {
        name: 'process_items',
        arguments: { items: Array.from({ length: 40 }, (_, i) => `item-${i}`), delayMs: 100 },
      },
      undefined,
      {
        signal: controller.signal,
        onprogress: () => {
          progressSeen += 1;
          if (progressSeen === 2) controller.abort('user pressed Ctrl-C');
        },
      },
    );
    await assert.rejects(call);
    const end = await ended;
    assert.equal(end.outcome, 'cancelled');
    assert.ok(Number(end.items_reported) <= 4, `server went on to item ${end.items_reported} of 40`);
    await client.close();
  });

  it('answers 404 once an idle session has expired, and the client can start again', async () => {
    const sessionId = await openLegacySession(beacon.mcpUrl);
    const ok = await post(beacon.mcpUrl, { jsonrpc: '2.0', id: 2, method: 'ping' }, legacyHeaders(sessionId));
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    await sleep(3200);
    const gone = await post(
      beacon.mcpUrl,
      { jsonrpc: '2.0', id: 3, method: 'ping' },
      legacyHeaders(sessionId),
    );
    assert.equal(gone.status, 404);
    assert.equal((await gone.json()).error.code, -32001);
    assert.ok(await openLegacySession(beacon.mcpUrl));
  });

  it('ends a session on DELETE; its id then gets 404', async () => {
    const sessionId = await openLegacySession(beacon.mcpUrl);
    const del = await fetch(beacon.mcpUrl, { method: 'DELETE', headers: legacyHeaders(sessionId) });
    assert.equal(del.status, 200);
    const after = await post(
      beacon.mcpUrl,
      { jsonrpc: '2.0', id: 2, method: 'ping' },
      legacyHeaders(sessionId),
    );
    assert.equal(after.status, 404);
  });

  it('answers a second concurrent standalone GET stream with 409', async () => {
    const sessionId = await openLegacySession(beacon.mcpUrl);
    const headers = { ...legacyHeaders(sessionId), Accept: 'text/event-stream' };
    const first = await fetch(beacon.mcpUrl, { headers });
    assert.equal(first.status, 200);
    const second = await fetch(beacon.mcpUrl, { headers });
    assert.equal(second.status, 409);
    await first.body?.cancel();
  });
});

describe('resuming a dropped tool-call stream (Last-Event-ID)', () => {
  let beacon: BeaconProcess;
  before(async () => {
    beacon = await startBeacon();
  });
  after(() => beacon.stop());

  it('replays exactly the missed events, then the result: nothing lost, nothing repeated', async () => {
    const sessionId = await openLegacySession(beacon.mcpUrl);
    const headers = legacyHeaders(sessionId);
    const level = await post(
      beacon.mcpUrl,
      { jsonrpc: '2.0', id: 1, method: 'logging/setLevel', params: { level: 'info' } },
      headers,
    );
    await level.body?.cancel();
    const items = Array.from({ length: 8 }, (_, i) => `doc-${i + 1}`);
    const dropAfter = new AbortController();
    const res = await post(
      beacon.mcpUrl,
      {
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'process_items', arguments: { items, delayMs: 120 }, _meta: { progressToken: 'p7' } },
      },
      headers,
      dropAfter.signal,
    );
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const before: SseEvent[] = [];
    const stream = readSse(res.body as ReadableStream<Uint8Array>);
    for await (const event of stream) {
      before.push(event);
      if (messagesOf(before).filter((m) => m.method === 'notifications/progress').length === 2) break;
    }
    // Drop the connection the way a flaky network would.
    dropAfter.abort();
    await stream.return(undefined).catch(() => undefined);
    const priming = before[0];
    assert.equal(priming?.data, '', 'the stream opens with a priming event');
    assert.ok(priming?.id);
    assert.equal(typeof priming?.retry, 'number', 'the priming event carries retry:');

    // Let the tool go on while nobody listens, then resume from the last event we saw.
    await sleep(400);
    const lastId = before.at(-1)?.id;
    assert.ok(lastId);
    const resumed = await fetch(beacon.mcpUrl, {
      headers: { ...headers, Accept: 'text/event-stream', 'Last-Event-ID': lastId },
    });
    assert.equal(resumed.status, 200);
    const afterEvents: SseEvent[] = [];
    for await (const event of readSse(resumed.body as ReadableStream<Uint8Array>)) {
      afterEvents.push(event);
      if (messagesOf([event]).some((m) => m.id === 7)) break;
    }
    await resumed.body?.cancel().catch(() => undefined);

    const all = [...messagesOf(before), ...messagesOf(afterEvents)];
    const progress = all
      .filter((m) => m.method === 'notifications/progress')
      .map((m) => (m.params as { progress: number }).progress);
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6, 7, 8], 'every progress exactly once, in order');
    const infos = all.filter((m) => m.method === 'notifications/message');
    assert.equal(infos.length, 8, 'one info per item, none lost or repeated');
    const ids = [...before, ...afterEvents].map((e) => e.id).filter(Boolean);
    assert.equal(new Set(ids).size, ids.length, 'no event id twice');
    const last = all.at(-1) as { id?: number; result?: { structuredContent?: { processed: number } } };
    assert.equal(last.id, 7, 'the result comes last');
    assert.equal(last.result?.structuredContent?.processed, 8);
  });

  it("replays a batch's stream through the last of its responses, not only the first", async () => {
    const sessionId = await openLegacySession(beacon.mcpUrl);
    const headers = legacyHeaders(sessionId);
    const call = (id: number, items: string[]) => ({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: 'process_items', arguments: { items, delayMs: 0 } },
    });
    const res = await post(beacon.mcpUrl, [call(21, ['a']), call(22, ['b', 'c'])], headers);
    assert.equal(res.status, 200);
    const live: SseEvent[] = [];
    for await (const event of readSse(res.body as ReadableStream<Uint8Array>)) live.push(event);
    const answered = (events: SseEvent[]) =>
      messagesOf(events)
        .map((m) => m.id)
        .filter((id) => id !== undefined)
        .sort();
    assert.deepEqual(answered(live), [21, 22], 'the live stream carries both results');
    const primingId = live[0]?.id;
    assert.ok(primingId);

    const resumed = await fetch(beacon.mcpUrl, {
      headers: { ...headers, Accept: 'text/event-stream', 'Last-Event-ID': primingId },
    });
    assert.equal(resumed.status, 200);
    const replayed: SseEvent[] = [];
    for await (const event of readSse(resumed.body as ReadableStream<Uint8Array>)) {
      replayed.push(event);
      if (answered(replayed).length === 2) break;
    }
    await resumed.body?.cancel().catch(() => undefined);
    assert.deepEqual(answered(replayed), [21, 22], 'the replay ends with the second result, not the first');
  });

  it('refuses to resume from an event id it does not know', async () => {
    const sessionId = await openLegacySession(beacon.mcpUrl);
    const res = await fetch(beacon.mcpUrl, {
      headers: { ...legacyHeaders(sessionId), Accept: 'text/event-stream', 'Last-Event-ID': '999.nope' },
    });
    assert.equal(res.status, 400);
    await res.body?.cancel();
  });
});
