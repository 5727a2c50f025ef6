import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type AuthFixtures, startProtectedBeacon, writeAuthFixtures } from '../helpers/auth-stack.js';
import type { BeaconProcess } from '../helpers/beacon-process.js';
import {
  eventually,
  modernLongCall,
  type RunningCall,
  sessionLongCall,
  startStreamedCall,
} from '../helpers/long-call.js';
import { metricsUrlOf, sampleValue, scrape } from '../helpers/metrics.js';
import { legacyHeaders, modernRequest, openLegacySession, post } from '../helpers/raw-mcp.js';
import { readSse } from '../helpers/sse.js';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const LONG = { name: 'process_items', arguments: sessionLongCall(0).params.arguments };
const SHORT = { name: 'process_items', arguments: { items: ['x'], delayMs: 0 } };

/**
 * Starts a long call with an SDK v1 client and resolves once its first progress notification has
 * arrived, with a promise of how the call ended (its result or error).
 */
function startSdkCall(client: Client, signal?: AbortSignal): Promise<{ ended: Promise<unknown> }> {
  return new Promise((resolve) => {
    const ended = client
      .callTool(LONG, undefined, { signal, onprogress: () => resolve({ ended }) })
      .catch((error: unknown) => error);
  });
}

/** A refusal as every quota gives it: the status, `Retry-After`, and a JSON-RPC error body without id. */
async function assertRefused(res: Response, status: number, message: RegExp) {
  assert.equal(res.status, status);
  assert.ok(Number(res.headers.get('retry-after')) > 0, 'Retry-After');
  const body = await res.json();
  assert.equal(body.jsonrpc, '2.0');
  assert.equal(body.error.code, -32000);
  assert.match(body.error.message, message);
  assert.equal(body.id, undefined);
}

describe('concurrent tool calls per principal (MAX_CALLS_PER_PRINCIPAL=2) and in total (MAX_CONCURRENT_CALLS=3)', () => {
  let fixtures: AuthFixtures;
  let beacon: BeaconProcess;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  let metricsUrl: string;
  const running: RunningCall[] = [];

  before(async () => {
    fixtures = await writeAuthFixtures();
    beacon = await startProtectedBeacon(fixtures, undefined, {
      MAX_CALLS_PER_PRINCIPAL: '2',
      MAX_CONCURRENT_CALLS: '3',
      LEGACY_SSE: 'true',
    });
    alice = bearer(fixtures.keys.alice);
    bob = bearer(fixtures.keys.bob);
    metricsUrl = await metricsUrlOf(beacon);
  });
  after(async () => {
    for (const call of running) call.stop();
    await beacon.stop();
    await fixtures.cleanup();
  });

  const modernCall = async (headers: Record<string, string>, id = 1) => {
    const { body, headers: mcp } = modernLongCall(id);
    const call = await startStreamedCall(beacon.mcpUrl, body, { ...mcp, ...headers });
    running.push(call);
    return call;
  };
  const modernShort = (headers: Record<string, string>) => {
    const { body, headers: mcp } = modernRequest('tools/call', SHORT);
    return post(beacon.mcpUrl, body, { ...mcp, ...headers });
  };
  const rejected = async (reason: string) =>
    sampleValue(await scrape(metricsUrl), 'beacon_requests_rejected_total', { reason });
  /** The request log line of the refusal (pino-http says "errored" for a 5xx): named, with its principal and status. */
  const loggedRefusal = (reason: string, principal: string, status: number) =>
    beacon.waitForLog(
      (e) =>
        (e.msg === 'request completed' || e.msg === 'request errored') &&
        e.rejected === reason &&
        e.principal === principal &&
        (e.res as { status?: number } | undefined)?.status === status,
    );
  /**
   * Alice's two places are free, and no more than two: two long calls start, the third is refused.
   * Each place can come back a moment after a connection closes, hence the retries.
   */
  const assertAliceHasTwoFreePlaces = async () => {
    const calls: RunningCall[] = [];
    for (const id of [101, 102]) {
      await eventually(async () => {
        try {
          calls.push(await modernCall(alice, id));
          return true;
        } catch {
          return false;
        }
      }, `alice's place ${id} is free`);
    }
    const { body, headers } = modernLongCall(103);
    const third = await post(beacon.mcpUrl, body, { ...headers, ...alice });
    await assertRefused(third, 429, /concurrent tool calls/);
    for (const call of calls) call.stop();
  };

  it('2026-07-28: refuses principal A over its quota with 429 while B is served, then the process with 503', async () => {
    const before = { quota: await rejected('call_quota'), capacity: await rejected('call_capacity') };
    const a = [await modernCall(alice, 1), await modernCall(alice, 2)];

    await assertRefused(await modernShort(alice), 429, /concurrent tool calls/);
    await loggedRefusal('call_quota', 'apikey:alice', 429);
    const served = await modernShort(bob);
    assert.equal(served.status, 200);
    assert.match(await served.text(), /Processed 1 item: 1 ok/);

    const b = await modernCall(bob, 3);
    await assertRefused(await modernShort(bob), 503, /Server busy/);
    await loggedRefusal('call_capacity', 'apikey:bob', 503);
    assert.equal(await rejected('call_quota'), before.quota + 1);
    assert.equal(await rejected('call_capacity'), before.capacity + 1);

    // Clients that disconnect mid-stream cancel their calls and give their places back.
    for (const call of [...a, b]) call.stop();
    await assertAliceHasTwoFreePlaces();
  });

  it('2025-11-25 session: counts calls across the principal, and a cancelled call frees its place while its stream stays open', async () => {
    const client = new Client({ name: 'quota-v1', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(beacon.mcpUrl), { requestInit: { headers: alice } }),
    );
    try {
      const controllers = [new AbortController(), new AbortController()];
      const calls = await Promise.all(controllers.map((c) => startSdkCall(client, c.signal)));

      // A raw request in another session of the same principal meets the same quota.
      const sessionId = await openLegacySession(beacon.mcpUrl, alice);
      const raw = await post(beacon.mcpUrl, sessionLongCall(9), { ...legacyHeaders(sessionId), ...alice });
      await assertRefused(raw, 429, /concurrent tool calls/);
      await assert.rejects(client.callTool(SHORT), /Too many concurrent tool calls/);

      // The v1 client cancels with notifications/cancelled and keeps the call's stream open.
      for (const controller of controllers) controller.abort('user pressed Ctrl-C');
      await Promise.all(calls.map((call) => call.ended));
      await eventually(async () => {
        try {
          await client.callTool(SHORT);
          return true;
        } catch {
          return false;
        }
      }, 'the cancelled calls have given their places back');
      const open = sampleValue(await scrape(metricsUrl), 'beacon_streams_open', { kind: 'post' });
      assert.ok(open >= 2, `the cancelled calls' streams are still open (${open})`);
    } finally {
      await client.close();
    }
    await assertAliceHasTwoFreePlaces();
  });

  it('HTTP+SSE: a call counts until its answer is sent on the stream, it is cancelled, or its session closes', async () => {
    const client = new Client({ name: 'quota-sse', version: '1.0.0' });
    await client.connect(
      new SSEClientTransport(new URL('/sse', beacon.origin), { requestInit: { headers: alice } }),
    );
    try {
      // Answered calls give their places back: more of them in a row than the quota holds.
      for (let i = 0; i < 3; i++) await client.callTool(SHORT);

      const cancel = new AbortController();
      const [cancelled] = await Promise.all([startSdkCall(client, cancel.signal), startSdkCall(client)]);
      await assert.rejects(client.callTool(SHORT), /Too many concurrent tool calls/);
      // The same refusal by hand, on another HTTP+SSE session of the same principal.
      const other = new AbortController();
      const stream = await fetch(`${beacon.origin}/sse`, {
        headers: { Accept: 'text/event-stream', ...alice },
        signal: other.signal,
      });
      assert.ok(stream.body);
      const endpoint = (await readSse(stream.body).next()).value?.data;
      const refused = await post(new URL(String(endpoint), beacon.origin).href, sessionLongCall(1), alice);
      await assertRefused(refused, 429, /concurrent tool calls/);
      other.abort();

      cancel.abort('no longer needed');
      await cancelled?.ended;
      await eventually(async () => {
        try {
          await client.callTool(SHORT);
          return true;
        } catch {
          return false;
        }
      }, 'the cancelled call has given its place back');
    } finally {
      // The session ends with the other long call still running: that place comes back too.
      await client.close();
    }
    await assertAliceHasTwoFreePlaces();
  });
});
