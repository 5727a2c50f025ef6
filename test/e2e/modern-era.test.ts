import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, LOG_LEVEL_META_KEY, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { type BeaconProcess, startBeacon } from '../helpers/beacon-process.js';
import { modernRequest, post } from '../helpers/raw-mcp.js';
import { messagesOf, readSse } from '../helpers/sse.js';

interface Seen {
  at: number;
  level?: string;
  progress?: number;
}

/** A real 2026-07-28 peer: the SDK v2 client negotiating the modern era. */
async function connectV2(url: string) {
  const client = new Client(
    { name: 'sdk-v2-peer', version: '1.0.0' },
    { versionNegotiation: { mode: 'auto' } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  const seen: Seen[] = [];
  client.setNotificationHandler('notifications/message', (n) => {
    seen.push({ at: performance.now(), level: n.params.level });
  });
  return { client, seen };
}

function callArgs(items: string[], delayMs: number, level?: string) {
  return {
    name: 'process_items',
    arguments: { items, delayMs },
    ...(level ? { _meta: { [LOG_LEVEL_META_KEY]: level } } : {}),
  };
}

describe('2026-07-28 requests with the SDK v2 client', () => {
  let beacon: BeaconProcess;
  before(async () => {
    // One client address runs 50 calls at once below: more than MAX_CALLS_PER_PRINCIPAL's default.
    beacon = await startBeacon({ env: { MAX_CALLS_PER_PRINCIPAL: '64' } });
  });
  after(() => beacon.stop());

  it('negotiates the modern era with server/discover', async () => {
    const { client } = await connectV2(beacon.mcpUrl);
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['analyze_documents', 'process_items']);
    assert.ok(
      tools.every((t) => t.outputSchema),
      'every tool declares an outputSchema',
    );
    await client.close();
  });

  it('streams progress and logs on the request stream, live, before the result', async () => {
    const { client, seen } = await connectV2(beacon.mcpUrl);
    const progress: Seen[] = [];
    const result = await client.callTool(callArgs(['a', 'b', 'c', 'd'], 150, 'info'), {
      onprogress: (p) => progress.push({ at: performance.now(), progress: p.progress }),
    });
    const resultAt = performance.now();
    assert.deepEqual(
      progress.map((p) => p.progress),
      [1, 2, 3, 4],
    );
    assert.equal(seen.filter((s) => s.level === 'info').length, 4);
    assert.equal(seen.filter((s) => s.level === 'debug').length, 0);
    const firstAt = progress[0]?.at ?? resultAt;
    assert.ok(resultAt - firstAt >= 300, 'notifications are spread over the call, not batched at the end');
    assert.equal((result.structuredContent as { processed: number }).processed, 4);
    await client.close();
  });

  it('filters log messages at the level the request asked for', async () => {
    const { client, seen } = await connectV2(beacon.mcpUrl);
    await client.callTool(callArgs(['x', '', 'z'], 0, 'warning'));
    assert.deepEqual(
      seen.map((s) => s.level),
      ['warning'],
    );
    seen.length = 0;
    await client.callTool(callArgs(['x', 'y'], 0, 'debug'));
    assert.equal(seen.filter((s) => s.level === 'debug').length, 2);
    assert.equal(seen.filter((s) => s.level === 'info').length, 2);
    await client.close();
  });

  it('sends no log message at all for a request without a logLevel', async () => {
    const { body, headers } = modernRequest(
      'tools/call',
      { name: 'process_items', arguments: { items: ['a', '', 'c'], delayMs: 0 } },
      { progressToken: 'p1' },
    );
    const res = await post(beacon.mcpUrl, body, headers);
    assert.equal(res.status, 200);
    const text = await res.text();
    const messages = res.headers.get('content-type')?.includes('event-stream')
      ? messagesOf(await collect(text))
      : [JSON.parse(text)];
    assert.equal(messages.filter((m) => m.method === 'notifications/message').length, 0);
    assert.equal(messages.filter((m) => m.method === 'notifications/progress').length, 3);
    assert.equal(res.headers.get('mcp-session-id'), null, 'the modern era has no sessions');
  });

  it('cancels when the client closes the stream, and the server stops within one item', async () => {
    const { client } = await connectV2(beacon.mcpUrl);
    const controller = new AbortController();
    const mark = beacon.lines.length;
    let progressSeen = 0;
    const call = client.callTool(
      callArgs(
        Array.from({ length: 40 }, (_, i) => `item-${i}`),
        100,
        'info',
      ),
      {
        signal: controller.signal,
        onprogress: () => {
          progressSeen += 1;
          if (progressSeen === 2) controller.abort('stop');
        },
      },
    );
    await assert.rejects(call);
    const end = await beacon.waitForLog(
      // This call's own line (40 items): an earlier test's call may end after the mark.
      (e) => e.msg === 'tool call ended' && e.era === '2026-07-28' && e.items === 40,
      15_000,
      mark,
    );
    assert.equal(end.outcome, 'cancelled');
    assert.ok(Number(end.items_reported) <= 4, `server went on to item ${end.items_reported} of 40`);
    await client.close();
  });

  it('serves 50 concurrent calls, each with its own result, and warns of no listener leak', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const { body, headers } = modernRequest(
          'tools/call',
          { name: 'process_items', arguments: { items: [`c${i}`], delayMs: 50 } },
          {},
          i,
        );
        const res = await post(beacon.mcpUrl, body, headers);
        return { status: res.status, text: await res.text() };
      }),
    );
    for (const [i, answer] of answers.entries()) {
      assert.equal(answer.status, 200);
      assert.match(answer.text, new RegExp(`"id":${i}[,}]`));
      assert.match(answer.text, /Processed 1 item: 1 ok/);
    }
    assert.doesNotMatch(beacon.stderr(), /MaxListenersExceeded|memory leak/);
  });
});

async function collect(text: string) {
  const stream = new Blob([text]).stream();
  const events = [];
  for await (const event of readSse(stream)) events.push(event);
  return events;
}
