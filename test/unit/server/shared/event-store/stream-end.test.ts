import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { withRequestIds } from '../../../../../src/server/shared/event-store/request-context.js';
import {
  keepable,
  responseIdOf,
  STANDALONE_STREAM_ID,
  StreamEnd,
} from '../../../../../src/server/shared/event-store/stream-end.js';

const ok = (id: number | string): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: {} });
const progress: JSONRPCMessage = { jsonrpc: '2.0', method: 'notifications/progress', params: {} };

describe('responseIdOf', () => {
  it('names the request a result or an error answers, and nothing else', () => {
    assert.equal(responseIdOf(ok(3)), 3);
    assert.equal(responseIdOf({ jsonrpc: '2.0', id: 'a', error: { code: 1, message: 'no' } }), 'a');
    assert.equal(responseIdOf(progress), undefined);
    assert.equal(responseIdOf({ jsonrpc: '2.0', id: 4, method: 'sampling/createMessage' }), undefined);
    assert.equal(responseIdOf({} as JSONRPCMessage), undefined);
  });
});

describe('StreamEnd', () => {
  it('ends a stream with its first response when no POST context says otherwise', () => {
    const end = StreamEnd.forNewStream('s');
    assert.equal(end.isLast(progress), false);
    assert.equal(end.isLast(ok(1)), true);
  });

  it("ends a batch's stream with the last of its requests' responses", () => {
    const end = withRequestIds([1, '1'], () => StreamEnd.forNewStream('s'));
    assert.deepEqual(end.requestIds, [1, '1']);
    assert.equal(end.awaits('1'), true);
    assert.equal(end.isLast(ok('1')), false, 'the string id is another request than the number');
    assert.equal(end.awaits('1'), false);
    assert.equal(end.isLast(ok(1)), true);
  });

  it('never ends the standalone stream, whatever context it is opened in', () => {
    const end = withRequestIds([1], () => StreamEnd.forNewStream(STANDALONE_STREAM_ID));
    assert.equal(end.awaits(1), false);
    assert.equal(end.isLast(ok(1)), false);
  });
});

describe('keepable', () => {
  it('keeps an event within the bound as its JSON and size', () => {
    const json = JSON.stringify(progress);
    assert.deepEqual(keepable(progress, 1000), { json, bytes: Buffer.byteLength(json) });
  });

  it('drops a larger notification and keeps a larger response as an error for the same request', () => {
    const big = { jsonrpc: '2.0', id: 9, result: { text: 'é'.repeat(600) } } as JSONRPCMessage;
    assert.equal(keepable({ ...progress, params: { message: 'x'.repeat(2000) } }, 1000), undefined);
    const kept = keepable(big, 1000);
    assert.ok(kept && kept.bytes <= 1000);
    const standIn = JSON.parse(kept.json) as { id: number; error: { code: number } };
    assert.equal(standIn.id, 9);
    assert.equal(standIn.error.code, -32603);
  });
});
