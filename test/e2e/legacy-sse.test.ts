import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { type AuthFixtures, startProtectedBeacon, writeAuthFixtures } from '../helpers/auth-stack.js';
import { type BeaconProcess, startBeacon } from '../helpers/beacon-process.js';
import { metricsUrlOf, sampleValue, scrape } from '../helpers/metrics.js';
import { initializeRequest, post } from '../helpers/raw-mcp.js';
import { readSse } from '../helpers/sse.js';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

interface SsePeer {
  client: Client;
  transport: SSEClientTransport;
  logs: Array<{ level: string; data: unknown }>;
}

/** A real 2024-11-05 peer: the SDK v1 client over its HTTP+SSE transport. */
async function connectSse(origin: string, headers: Record<string, string> = {}): Promise<SsePeer> {
  const transport = new SSEClientTransport(new URL('/sse', origin), { requestInit: { headers } });
  const client = new Client({ name: 'sse-peer', version: '1.0.0' });
  const logs: SsePeer['logs'] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    logs.push({ level: n.params.level, data: n.params.data });
  });
  await client.connect(transport);
  return { client, transport, logs };
}

/** Opens GET /sse by hand and returns the session's message URL from the `endpoint` event. */
async function openRawSse(origin: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(`${origin}/sse`, {
    headers: { Accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  assert.equal(res.status, 200, await (res.status === 200 ? '' : res.text()));
  assert.ok(res.body);
  const events = readSse(res.body);
  const first = await events.next();
  assert.equal(first.value?.event, 'endpoint');
  return { res, events, messagesUrl: new URL(String(first.value?.data), origin).href, controller };
}

interface WireMessage {
  id?: number | string;
  method?: string;
  params?: { progress?: number };
}

/** A hand-driven, initialised 2024-11-05 session, for tests that read the stream itself. */
async function openRawSession(origin: string, headers: Record<string, string>) {
  const { events, messagesUrl, controller } = await openRawSse(origin, headers);
  const send = async (message: object) => {
    const res = await post(messagesUrl, message, headers);
    assert.equal(res.status, 202);
    await res.body?.cancel();
  };
  await send(initializeRequest());
  await events.next();
  await send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return {
    /** Calls process_items on three items and returns what the stream carried up to its result. */
    async callProcessItems(id: number, { answerPings }: { answerPings: boolean }) {
      await send({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: {
          name: 'process_items',
          arguments: { items: ['a', 'b', 'c'], delayMs: 0 },
          _meta: { progressToken: `t${id}` },
        },
      });
      const messages: WireMessage[] = [];
      for (;;) {
        const next = await events.next();
        assert.ok(!next.done, 'the stream ended before the result');
        const message: WireMessage = JSON.parse(next.value.data);
        messages.push(message);
        if (message.method === 'ping' && answerPings)
          await send({ jsonrpc: '2.0', id: message.id, result: {} });
        if (message.id === id && message.method === undefined) return messages;
      }
    },
    close: () => controller.abort(),
  };
}

/** The server's own account of the cancelled call on this era: how far the work got before it stopped. */
function cancelledCallEnded(beacon: BeaconProcess) {
  return beacon.waitForLog(
    (e) => e.msg === 'tool call ended' && e.era === '2024-11-05' && e.outcome === 'cancelled',
    15_000,
  );
}

describe('HTTP+SSE (2024-11-05) behind the same protection as /mcp', () => {
  let fixtures: AuthFixtures;
  let beacon: BeaconProcess;
  let alice: Record<string, string>;

  before(async () => {
    fixtures = await writeAuthFixtures();
    beacon = await startProtectedBeacon(fixtures, undefined, { LEGACY_SSE: 'true', MAX_SESSIONS: '3' });
    alice = bearer(fixtures.keys.alice);
  });
  after(async () => {
    await beacon.stop();
    await fixtures.cleanup();
  });

  it('runs process_items for the SDK v1 SSE client with progress and info logs as each item finishes', async () => {
    const peer = await connectSse(beacon.origin, alice);
    try {
      const progress: Array<{ progress: number; total?: number; at: number }> = [];
      const result = await peer.client.callTool(
        { name: 'process_items', arguments: { items: ['alpha beta', '', 'gamma'], delayMs: 150 } },
        undefined,
        { onprogress: (p) => progress.push({ progress: p.progress, total: p.total, at: performance.now() }) },
      );
      // The last one too: the server pings before the result (progress-delivery.test.ts measures it).
      assert.deepEqual(
        progress.map((p) => [p.progress, p.total]),
        [
          [1, 3],
          [2, 3],
          [3, 3],
        ],
      );
      // Streamed, not batched at the end: the reports are spread over the items' delays.
      assert.ok((progress[1]?.at ?? 0) - (progress[0]?.at ?? 0) >= 100);
      const info = peer.logs.filter((l) => l.level === 'info').map((l) => String(l.data));
      assert.equal(info.length, 3);
      assert.match(info[0] ?? '', /item 1\/3 "alpha beta": ok/);
      assert.ok(peer.logs.some((l) => l.level === 'warning' && /item 2\/3 is empty/.test(String(l.data))));
      assert.deepEqual(
        (result.structuredContent as { processed: number; skipped: number }).processed +
          (result.structuredContent as { skipped: number }).skipped,
        3,
      );
    } finally {
      await peer.client.close();
    }
  });

  it('sends every progress and log before the result, and pings between the last progress and it', async () => {
    const session = await openRawSession(beacon.origin, alice);
    try {
      const messages = await session.callProcessItems(2, { answerPings: true });
      const kinds = messages.map((m) => m.method ?? 'result');
      assert.deepEqual(
        messages.filter((m) => m.method === 'notifications/progress').map((m) => m.params?.progress),
        [1, 2, 3],
      );
      assert.equal(kinds.filter((k) => k === 'notifications/message').length, 6, 'info and debug per item');
      // The result waits for the ping's answer: by then the client has handled the last progress.
      assert.deepEqual(kinds.slice(-3), ['notifications/progress', 'ping', 'result']);
    } finally {
      session.close();
    }
  });

  it('still answers a client that leaves the ping unanswered, and does not ping it again', async () => {
    const session = await openRawSession(beacon.origin, alice);
    try {
      const first = await session.callProcessItems(2, { answerPings: false });
      // After PROGRESS_BARRIER_TIMEOUT_MS the server withdraws the ping and sends the result.
      assert.deepEqual(first.map((m) => m.method ?? 'result').slice(-3), [
        'ping',
        'notifications/cancelled',
        'result',
      ]);
      const second = await session.callProcessItems(3, { answerPings: false });
      assert.equal(second.at(-1)?.id, 3);
      assert.ok(!second.some((m) => m.method === 'ping'), 'no second ping on this stream');
    } finally {
      session.close();
    }
  });

  it('applies logging/setLevel to the session: at warning only the warning arrives', async () => {
    const peer = await connectSse(beacon.origin, alice);
    try {
      await peer.client.setLoggingLevel('warning');
      await peer.client.callTool({ name: 'process_items', arguments: { items: ['a', '', 'b'], delayMs: 0 } });
      assert.deepEqual(
        peer.logs.map((l) => l.level),
        ['warning'],
      );
      await peer.client.setLoggingLevel('debug');
      peer.logs.length = 0;
      await peer.client.callTool({ name: 'process_items', arguments: { items: ['a'], delayMs: 0 } });
      assert.deepEqual(
        peer.logs.map((l) => l.level),
        ['info', 'debug'],
      );
    } finally {
      await peer.client.close();
    }
  });

  it('cancels: notifications/cancelled stops the work within one item, which the server log proves', async () => {
    const peer = await connectSse(beacon.origin, alice);
    const items = Array.from({ length: 40 }, (_, i) => `item ${i}`);
    const controller = new AbortController();
    let progressCount = 0;
    try {
      const call = peer.client.callTool(
        { name: 'process_items', arguments: { items, delayMs: 100 } },
        undefined,
        {
          signal: controller.signal,
          onprogress: () => {
            progressCount += 1;
            if (progressCount === 3) controller.abort('enough');
          },
        },
      );
      await assert.rejects(call);
      const ended = await cancelledCallEnded(beacon);
      const reported = Number(ended.items_reported);
      assert.ok(reported >= 3 && reported <= 5, `the work went on to item ${reported} of ${items.length}`);
      // Nothing more arrives after the cancellation.
      const after = progressCount;
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(progressCount, after);
    } finally {
      await peer.client.close();
    }
  });

  it('marks every response deprecated (RFC 9745) and links the migration guide', async () => {
    const { res, controller } = await openRawSse(beacon.origin, alice);
    assert.match(res.headers.get('deprecation') ?? '', /^@\d+$/);
    assert.match(res.headers.get('link') ?? '', /<[^>]*#migrating-from-sse>; rel="deprecation"/);
    assert.equal(res.headers.get('x-accel-buffering'), 'no');
    controller.abort();
    const refused = await fetch(`${beacon.origin}/messages?sessionId=nope`, { method: 'POST' });
    assert.equal(refused.status, 401);
    assert.ok(refused.headers.get('deprecation'));
    assert.ok(refused.headers.get('link'));
    assert.equal(
      (await fetch(`${beacon.mcpUrl}`, { method: 'POST', headers: alice })).headers.get('deprecation'),
      null,
    );
  });

  it('refuses the SSE peer on a foreign Origin (403) and without a key (401)', async () => {
    const foreign = await fetch(`${beacon.origin}/sse`, {
      headers: { Accept: 'text/event-stream', Origin: 'https://evil.example', ...alice },
    });
    assert.equal(foreign.status, 403);
    assert.match((await foreign.json()).error.message, /Origin/);
    await assert.rejects(connectSse(beacon.origin), /401|Unauthorized/);
    await assert.rejects(
      connectSse(beacon.origin, { ...alice, Origin: 'https://evil.example' }),
      /403|Forbidden/,
    );
  });

  it("answers 404 to a second principal posting to the first one's session", async () => {
    const { messagesUrl, controller } = await openRawSse(beacon.origin, alice);
    try {
      const asBob = await post(messagesUrl, initializeRequest(), bearer(fixtures.keys.bob));
      assert.equal(asBob.status, 404);
      const body = await asBob.json();
      assert.equal(body.error.code, -32001);
      const asAlice = await post(messagesUrl, initializeRequest(), alice);
      assert.equal(asAlice.status, 202);
      await asAlice.body?.cancel();
    } finally {
      controller.abort();
    }
  });

  it('refuses malformed messages with JSON-RPC bodies: no sessionId 400, not JSON or malformed Content-Type 415, not JSON-RPC 400', async () => {
    const { messagesUrl, controller } = await openRawSse(beacon.origin, alice);
    try {
      const noId = await post(`${beacon.origin}/messages`, initializeRequest(), alice);
      assert.equal(noId.status, 400);
      assert.match((await noId.json()).error.message, /sessionId/);
      const text = await fetch(messagesUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain', ...alice },
        body: 'hello',
      });
      assert.equal(text.status, 415);
      assert.equal((await text.json()).jsonrpc, '2.0');
      // A malformed parameter drew a plain-text "TypeError: invalid parameter format" from the SDK transport.
      const openQuote = await post(messagesUrl, initializeRequest(), {
        'Content-Type': 'application/json; boundary="',
        ...alice,
      });
      assert.equal(openQuote.status, 415);
      assert.equal((await openQuote.json()).jsonrpc, '2.0');
      const notRpc = await post(messagesUrl, { hello: 'world' }, alice);
      assert.equal(notRpc.status, 400);
      assert.equal((await notRpc.json()).error.code, -32600);
      const wrongMethod = await post(`${beacon.origin}/sse`, initializeRequest(), alice);
      assert.equal(wrongMethod.status, 405);
      assert.equal(wrongMethod.headers.get('allow'), 'GET');
      const head = await fetch(`${beacon.origin}/sse`, { method: 'HEAD', headers: alice });
      assert.equal(head.status, 405, 'HEAD must not open a session');
    } finally {
      controller.abort();
    }
  });

  it('counts sessions and streams under era 2024-11-05 and kind legacy_sse', async () => {
    const metrics = await metricsUrlOf(beacon);
    const peer = await connectSse(beacon.origin, alice);
    try {
      await peer.client.callTool({ name: 'process_items', arguments: { items: ['x'], delayMs: 0 } });
      const text = await scrape(metrics);
      assert.equal(sampleValue(text, 'beacon_sessions_active', { era: '2024-11-05' }), 1);
      assert.equal(sampleValue(text, 'beacon_streams_open', { kind: 'legacy_sse' }), 1);
      assert.equal(sampleValue(text, 'beacon_streams_open', { kind: 'standalone' }), 0);
      assert.ok(sampleValue(text, 'beacon_notifications_sent_total', { era: '2024-11-05' }) >= 2);
      assert.ok(sampleValue(text, 'beacon_http_request_duration_seconds_count', { route: '/messages' }) >= 3);
    } finally {
      await peer.client.close();
    }
    for (let i = 0; i < 50; i++) {
      if (sampleValue(await scrape(metrics), 'beacon_sessions_active', { era: '2024-11-05' }) === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const text = await scrape(metrics);
    assert.equal(sampleValue(text, 'beacon_sessions_active', { era: '2024-11-05' }), 0);
    assert.equal(sampleValue(text, 'beacon_streams_open', { kind: 'legacy_sse' }), 0);
  });

  it('shares MAX_SESSIONS with Streamable HTTP sessions: 503 once both kinds fill it', async () => {
    const init = await post(beacon.mcpUrl, initializeRequest(), alice);
    assert.equal(init.status, 200);
    const mcpSession = init.headers.get('mcp-session-id') ?? '';
    await init.body?.cancel();
    const streams = [await openRawSse(beacon.origin, alice), await openRawSse(beacon.origin, alice)];
    try {
      const full = await fetch(`${beacon.origin}/sse`, {
        headers: { Accept: 'text/event-stream', ...alice },
      });
      assert.equal(full.status, 503);
      assert.ok(full.headers.get('retry-after'));
      const fullMcp = await post(beacon.mcpUrl, initializeRequest(), alice);
      assert.equal(fullMcp.status, 503);
      await fullMcp.body?.cancel();
    } finally {
      for (const stream of streams) stream.controller.abort();
      await fetch(beacon.mcpUrl, {
        method: 'DELETE',
        headers: { 'Mcp-Session-Id': mcpSession, 'MCP-Protocol-Version': '2025-11-25', ...alice },
      });
    }
    // Closed streams give their places back.
    let again: Response | undefined;
    for (let i = 0; i < 50; i++) {
      again = await fetch(`${beacon.origin}/sse`, { headers: { Accept: 'text/event-stream', ...alice } });
      if (again.status === 200) break;
      await again.body?.cancel();
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(again?.status, 200);
    await again?.body?.cancel();
  });

  it('ends every open SSE stream on shutdown, and exits cleanly', async () => {
    const { events } = await openRawSse(beacon.origin, alice);
    const ended = (async () => {
      for (;;) if ((await events.next()).done) return true;
    })();
    assert.equal(await beacon.stop(), 0);
    assert.equal(await ended, true);
  });
});

describe('HTTP+SSE switched off (the default)', () => {
  let beacon: BeaconProcess;
  before(async () => {
    beacon = await startBeacon();
  });
  after(() => beacon.stop());

  it('answers 404 with a JSON-RPC body on /sse and /messages', async () => {
    const sse = await fetch(`${beacon.origin}/sse`, { headers: { Accept: 'text/event-stream' } });
    assert.equal(sse.status, 404);
    assert.equal((await sse.json()).jsonrpc, '2.0');
    assert.equal(sse.headers.get('deprecation'), null);
    const messages = await post(`${beacon.origin}/messages?sessionId=x`, initializeRequest());
    assert.equal(messages.status, 404);
    assert.equal((await messages.json()).jsonrpc, '2.0');
  });
});

describe('HTTP+SSE session lifetime', () => {
  let beacon: BeaconProcess;
  before(async () => {
    beacon = await startBeacon({ env: { LEGACY_SSE: 'true', SESSION_IDLE_TIMEOUT_MS: '1000' } });
  });
  after(() => beacon.stop());

  it('closes a session idle longer than SESSION_IDLE_TIMEOUT_MS; its id then gets 404', async () => {
    const { events, messagesUrl } = await openRawSse(beacon.origin);
    for (;;) {
      const next = await events.next();
      if (next.done) break;
    }
    const late = await post(messagesUrl, initializeRequest());
    assert.equal(late.status, 404);
  });
});
