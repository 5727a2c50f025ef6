import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { type BeaconProcess, startBeacon } from '../helpers/beacon-process.js';
import { modernRequest, post } from '../helpers/raw-mcp.js';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

function listTools() {
  return modernRequest('tools/list');
}

async function refusal(res: Response, status: number, code: number) {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = await res.json();
  assert.equal(body.jsonrpc, '2.0');
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  return body as { id?: unknown; error: { code: number; message: string } };
}

function encoded(body: Buffer | string, encoding: string, headers: Record<string, string> = {}) {
  const { headers: mcpHeaders } = listTools();
  return fetch(beacon.mcpUrl, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'Content-Encoding': encoding,
      ...mcpHeaders,
      ...headers,
    },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
}

let beacon: BeaconProcess;

describe('hostile bodies get a 4xx JSON-RPC error, never a 500', () => {
  before(async () => {
    beacon = await startBeacon({ env: { LEGACY_SSE: 'true' } });
  });
  after(() => beacon.stop());

  it('still serves a valid gzip body', async () => {
    const res = await encoded(gzipSync(JSON.stringify(listTools().body)), 'gzip');
    assert.equal(res.status, 200);
    assert.match(await res.text(), /process_items/);
  });

  for (const encoding of ['gzip', 'deflate', 'br']) {
    it(`answers a ${encoding} body that is not compressed data with 400 -32700`, async () => {
      const body = await refusal(await encoded('{"this is":"not compressed"}', encoding), 400, -32700);
      assert.equal(body.id, null);
      assert.match(body.error.message, /could not be read/);
    });
  }

  const compress: Record<string, (b: Buffer) => Buffer> = {
    gzip: gzipSync,
    deflate: deflateSync,
    br: brotliCompressSync,
  };
  for (const [encoding, squeeze] of Object.entries(compress)) {
    it(`answers a truncated ${encoding} body with 400 -32700`, async () => {
      const whole = squeeze(Buffer.from(JSON.stringify({ ...listTools().body, pad: 'x'.repeat(4000) })));
      await refusal(await encoded(whole.subarray(0, Math.floor(whole.length / 2)), encoding), 400, -32700);
    });
  }

  it('keeps 415 for an encoding it does not support', async () => {
    await refusal(await encoded('{}', 'compress'), 415, -32000);
  });

  const deep = nested(5000);
  const { body: call, headers } = modernRequest('tools/call', {
    name: 'process_items',
    arguments: { items: ['a'] },
  });
  const shapes: [string, string][] = [
    ['as the whole body', deep],
    ['as the id', JSON.stringify({ ...call, id: 0 }).replace('"id":0', `"id":${deep}`)],
    [
      'inside params.arguments',
      JSON.stringify({ ...call, params: { ...call.params, arguments: { items: ['a'], x: 0 } } }).replace(
        '"x":0',
        `"x":${deep}`,
      ),
    ],
    ['inside _meta', JSON.stringify(call).replace('"_meta":{', `"_meta":{"deep":${deep},`)],
  ];
  for (const [where, text] of shapes) {
    it(`refuses JSON nested 5,000 deep ${where} with 400 -32600`, async () => {
      const body = await refusal(await post(beacon.mcpUrl, text, headers), 400, -32600);
      assert.match(body.error.message, /MAX_JSON_DEPTH/);
    });
  }

  it('refuses deep nesting on the HTTP+SSE /messages endpoint too', async () => {
    await refusal(await post(`${beacon.origin}/messages?sessionId=x`, deep), 400, -32600);
  });

  it('accepts nesting within the limit', async () => {
    const text = JSON.stringify(call).replace('"_meta":{', `"_meta":{"fine":${nested(50)},`);
    const res = await post(beacon.mcpUrl, text, headers);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /Processed 1 item/);
  });

  it('logs each refusal at warn with its reason and no stack', async () => {
    await refusal(await encoded('garbage', 'gzip', { 'X-Request-Id': 'bad-gzip-1' }), 400, -32700);
    const line = await beacon.waitForLog((e) => e.msg === 'request body refused' && e.status === 400);
    assert.equal(line.level, 40);
    assert.equal('stack' in line || 'err' in line, false);
    assert.equal(
      beacon.lines.some((l) => l.includes('unhandled error') || l.includes('"level":50')),
      false,
    );
  });
});
