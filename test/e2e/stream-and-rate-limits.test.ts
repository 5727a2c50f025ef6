import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AuthFixtures, startProtectedBeacon, writeAuthFixtures } from '../helpers/auth-stack.js';
import { type BeaconProcess, startBeacon } from '../helpers/beacon-process.js';
import { eventually, modernLongCall, startStreamedCall } from '../helpers/long-call.js';
import { metricsUrlOf, sampleValue, scrape } from '../helpers/metrics.js';
import { legacyHeaders, modernRequest, openLegacySession, post } from '../helpers/raw-mcp.js';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/** The request log line of a refusal (pino-http says "errored" for a 5xx), named and with its status. */
function loggedRefusal(beacon: BeaconProcess, reason: string, status: number) {
  return beacon.waitForLog(
    (e) =>
      (e.msg === 'request completed' || e.msg === 'request errored') &&
      e.rejected === reason &&
      (e.res as { status?: number } | undefined)?.status === status,
  );
}

describe('MAX_STREAMS=2: open SSE streams in the process', () => {
  let beacon: BeaconProcess;
  let metricsUrl: string;
  before(async () => {
    beacon = await startBeacon({ env: { MAX_STREAMS: '2', LEGACY_SSE: 'true' } });
    metricsUrl = await metricsUrlOf(beacon);
  });
  after(() => beacon.stop());

  const openSse = (signal?: AbortSignal) =>
    fetch(`${beacon.origin}/sse`, { headers: { Accept: 'text/event-stream' }, signal });

  it('refuses a new stream of any era with 503 and Retry-After, and admits again once one closes', async () => {
    const sessionId = await openLegacySession(beacon.mcpUrl);
    const standalone = new AbortController();
    const get = await fetch(beacon.mcpUrl, {
      headers: { Accept: 'text/event-stream', ...legacyHeaders(sessionId) },
      signal: standalone.signal,
    });
    assert.equal(get.status, 200);
    const { body, headers } = modernLongCall();
    const call = await startStreamedCall(beacon.mcpUrl, body, headers);

    const list = modernRequest('tools/list');
    const refused = await post(beacon.mcpUrl, list.body, list.headers);
    assert.equal(refused.status, 503);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    const error = await refused.json();
    assert.equal(error.jsonrpc, '2.0');
    assert.match(error.error.message, /stream limit/);
    await loggedRefusal(beacon, 'stream_capacity', 503);
    const sse = await openSse();
    assert.equal(sse.status, 503, 'the 2024-11-05 stream counts against the same limit');
    await sse.body?.cancel();
    const ping = await post(
      beacon.mcpUrl,
      { jsonrpc: '2.0', id: 5, method: 'ping' },
      legacyHeaders(sessionId),
    );
    assert.equal(ping.status, 503, 'a 2025-era request may be answered on a stream, so it waits too');
    await ping.body?.cancel();
    const notification = await post(
      beacon.mcpUrl,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      legacyHeaders(sessionId),
    );
    assert.equal(notification.status, 202, 'a notification opens no stream and goes through');
    assert.ok(
      sampleValue(await scrape(metricsUrl), 'beacon_requests_rejected_total', {
        reason: 'stream_capacity',
      }) >= 3,
    );

    // A client that goes away mid-stream gives its place back.
    call.stop();
    const again = new AbortController();
    await eventually(async () => {
      const res = await openSse(again.signal);
      if (res.status !== 200) await res.body?.cancel();
      return res.status === 200;
    }, 'a stream place is free');
    again.abort();
    standalone.abort();
    await eventually(
      async () => sampleValue(await scrape(metricsUrl), 'beacon_streams_open') === 0,
      'every stream has closed',
    );
    const afterwards = await post(beacon.mcpUrl, list.body, list.headers);
    assert.equal(afterwards.status, 200);
    await afterwards.body?.cancel();
  });
});

describe('RATE_LIMIT_PER_MINUTE=5: requests per principal', () => {
  let fixtures: AuthFixtures;
  let beacon: BeaconProcess;
  before(async () => {
    fixtures = await writeAuthFixtures();
    beacon = await startProtectedBeacon(fixtures, undefined, { RATE_LIMIT_PER_MINUTE: '5' });
  });
  after(async () => {
    await beacon.stop();
    await fixtures.cleanup();
  });

  const list = (key: string) => {
    const { body, headers } = modernRequest('tools/list');
    return post(beacon.mcpUrl, body, { ...headers, ...bearer(key) });
  };

  it('counts down in RateLimit headers, then answers 429 with Retry-After, for that principal only', async () => {
    const metricsUrl = await metricsUrlOf(beacon);
    const before = sampleValue(await scrape(metricsUrl), 'beacon_requests_rejected_total', {
      reason: 'request_rate',
    });
    for (let remaining = 4; remaining >= 0; remaining--) {
      const res = await list(fixtures.keys.alice);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('ratelimit') ?? '', new RegExp(`^"5-in-1min"; r=${remaining}; t=\\d+$`));
      assert.match(res.headers.get('ratelimit-policy') ?? '', /^"5-in-1min"; q=5; w=60; pk=:[^:]+:$/);
      await res.body?.cancel();
    }
    const refused = await list(fixtures.keys.alice);
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.match(refused.headers.get('ratelimit') ?? '', /r=0/);
    assert.deepEqual(await refused.json(), {
      jsonrpc: '2.0',
      error: { code: -32000, message: 'Too many requests; retry later' },
    });
    const line = await loggedRefusal(beacon, 'request_rate', 429);
    assert.equal(line.principal, 'apikey:alice');
    assert.equal(
      sampleValue(await scrape(metricsUrl), 'beacon_requests_rejected_total', { reason: 'request_rate' }),
      before + 1,
    );

    const bob = await list(fixtures.keys.bob);
    assert.equal(bob.status, 200, 'another principal has its own budget');
    await bob.body?.cancel();
    const health = await fetch(`${beacon.origin}/healthz`);
    assert.equal(health.status, 200, 'health checks are not rate limited');
  });
});
