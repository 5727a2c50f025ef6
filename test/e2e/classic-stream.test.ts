import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AuthFixtures, startProtectedBeacon, writeAuthFixtures } from '../helpers/auth-stack.js';
import { type BeaconProcess, startBeacon } from '../helpers/beacon-process.js';
import { metricsUrlOf, sampleValue, scrape } from '../helpers/metrics.js';
import { readLines } from '../helpers/sse.js';

interface Line {
  type: string;
  receivedAt: number;
  [field: string]: unknown;
}

function classic(origin: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) {
  return fetch(`${origin}/classic/process`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
}

/** Reads NDJSON lines as they arrive, stamping each with its arrival time. */
async function* ndjsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<Line> {
  for await (const text of readLines(body)) {
    if (text !== '') yield { ...JSON.parse(text), receivedAt: performance.now() };
  }
}

async function errorOf(res: Response): Promise<{ code: number; message: string }> {
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = await res.json();
  assert.equal(body.jsonrpc, '2.0');
  return body.error;
}

describe('POST /classic/process: plain chunked HTTP streaming', () => {
  let beacon: BeaconProcess;
  before(async () => {
    beacon = await startBeacon();
  });
  after(() => beacon.stop());

  it('writes one NDJSON line per item as it is processed, then a summary', async () => {
    const started = performance.now();
    const res = await classic(beacon.origin, { items: ['alpha beta', '', 'gamma', 'delta'], delayMs: 150 });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    assert.equal(res.headers.get('transfer-encoding'), 'chunked');
    assert.equal(res.headers.get('content-length'), null);
    assert.ok(res.body);
    const lines: Line[] = [];
    for await (const line of ndjsonLines(res.body)) lines.push(line);
    assert.deepEqual(
      lines.map((l) => [l.type, l.status ?? null]),
      [
        ['item', 'ok'],
        ['item', 'skipped'],
        ['item', 'ok'],
        ['item', 'ok'],
        ['summary', null],
      ],
    );
    const [first, , , fourth, summary] = lines;
    assert.equal(first?.level, 'info');
    assert.match(String(first?.message), /^item 1\/4 "alpha beta": ok$/);
    assert.equal(first?.words, 2);
    assert.match(String(first?.sha256), /^[0-9a-f]{64}$/);
    assert.equal(lines[1]?.level, 'warning');
    assert.deepEqual([summary?.processed, summary?.skipped, summary?.failed, summary?.total], [3, 1, 0, 4]);
    // Each line left as its item finished: they are spread over the per-item delays.
    assert.ok((first?.receivedAt ?? 0) - started < (fourth?.receivedAt ?? 0) - started);
    assert.ok(
      (fourth?.receivedAt ?? 0) - (first?.receivedAt ?? 0) >= 300,
      `lines arrived within ${Math.round((fourth?.receivedAt ?? 0) - (first?.receivedAt ?? 0))} ms`,
    );
  });

  it('answers bad input with 400 and a JSON-RPC error naming the field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{}, /^items must be an array/],
      [{ items: [] }, /^items must hold at least 1 item/],
      [{ items: Array(1001).fill('x') }, /^items must hold at most 1000/],
      [{ items: ['a', 7] }, /^items\[1\]: every item must be a string/],
      [{ items: ['x'.repeat(64 * 1024 + 1)] }, /^items\[0\]: every item must be at most 65536 bytes/],
      [{ items: ['a'], delayMs: -1 }, /^delayMs must be an integer from 0 to 10000/],
      [{ items: ['a'], delayMs: 1.5 }, /^delayMs must be an integer/],
      [['a'], /^Request body must be a JSON object/],
    ];
    for (const [body, message] of cases) {
      const res = await classic(beacon.origin, body);
      assert.equal(res.status, 400, JSON.stringify(body).slice(0, 60));
      const error = await errorOf(res);
      assert.equal(error.code, -32602);
      assert.match(error.message, message);
    }
    const notJson = await classic(beacon.origin, '{"items": [', {});
    assert.equal(notJson.status, 400);
    assert.equal((await errorOf(notJson)).code, -32700);
    const text = await classic(beacon.origin, 'a\nb', { 'Content-Type': 'text/plain' });
    assert.equal(text.status, 415);
    assert.match((await errorOf(text)).message, /application\/json/);
  });

  it('refuses a foreign Origin with 403', async () => {
    const res = await classic(beacon.origin, { items: ['a'] }, { Origin: 'https://evil.example' });
    assert.equal(res.status, 403);
    assert.match((await errorOf(res)).message, /Origin/);
  });

  it('stops processing when the client disconnects, which the server log proves by counting', async () => {
    const items = Array.from({ length: 50 }, (_, i) => `item ${i}`);
    const controller = new AbortController();
    const res = await classic(beacon.origin, { items, delayMs: 100 }, {}, controller.signal);
    assert.ok(res.body);
    let received = 0;
    await assert.rejects(async () => {
      for await (const _ of ndjsonLines(res.body as ReadableStream<Uint8Array>)) {
        received += 1;
        if (received === 2) controller.abort();
      }
    });
    const ended = await beacon.waitForLog(
      (e) => e.msg === 'classic stream ended' && e.outcome === 'cancelled',
    );
    const processed = Number(ended.items_processed);
    assert.ok(processed >= 2 && processed <= 4, `the work went on to item ${processed} of ${items.length}`);
  });

  it('is timed under its route template', async () => {
    const res = await classic(beacon.origin, { items: ['a'], delayMs: 0 });
    await res.text();
    const text = await scrape(await metricsUrlOf(beacon));
    assert.ok(
      sampleValue(text, 'beacon_http_request_duration_seconds_count', { route: '/classic/process' }) >= 1,
    );
  });
});

describe('POST /classic/process behind authentication', () => {
  let fixtures: AuthFixtures;
  let beacon: BeaconProcess;
  before(async () => {
    fixtures = await writeAuthFixtures();
    beacon = await startProtectedBeacon(fixtures, undefined);
  });
  after(async () => {
    await beacon.stop();
    await fixtures.cleanup();
  });

  it('needs a key (401), and the tools scope (403), like tools/call', async () => {
    const body = { items: ['a'], delayMs: 0 };
    const anonymous = await classic(beacon.origin, body);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer /);
    await anonymous.body?.cancel();
    const lister = await classic(beacon.origin, body, { Authorization: `Bearer ${fixtures.keys.lister}` });
    assert.equal(lister.status, 403);
    assert.match(lister.headers.get('www-authenticate') ?? '', /insufficient_scope/);
    await lister.body?.cancel();
    const alice = await classic(beacon.origin, body, { Authorization: `Bearer ${fixtures.keys.alice}` });
    assert.equal(alice.status, 200);
    assert.match(await alice.text(), /"type":"summary"/);
  });
});
