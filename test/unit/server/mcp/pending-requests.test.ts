import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cancelledRequestId,
  PendingRequests,
  toolCallRequest,
} from '../../../../src/server/mcp/pending-requests.js';

function counter() {
  const released: string[] = [];
  return { released, release: (name: string) => () => released.push(name) };
}

describe('PendingRequests', () => {
  it('gives a call back when it is answered or cancelled, once', () => {
    const { released, release } = counter();
    const pending = new PendingRequests();
    const closed = pending.add(1, release('one'));
    pending.add('two', release('two'));
    assert.ok(pending.has(1));
    pending.settle(1);
    pending.settle(1);
    closed();
    assert.deepEqual(
      released,
      ['one', 'one'],
      'the stream closing later still releases (idempotent upstream)',
    );
    assert.equal(pending.has(1), false);
    pending.settleAll();
    assert.deepEqual(released, ['one', 'one', 'two']);
    assert.equal(pending.size, 0);
  });

  it('lets a stream that closes late forget only its own request, not a newer one with the same id', () => {
    const { released, release } = counter();
    const pending = new PendingRequests();
    const firstClosed = pending.add(7, release('first'));
    pending.settle(7);
    pending.add(7, release('second'));
    firstClosed();
    assert.ok(pending.has(7), 'the second request is still pending');
    assert.deepEqual(released, ['first', 'first']);
    pending.settle(7);
    assert.deepEqual(released, ['first', 'first', 'second']);
  });

  it('treats requests that hold no call places as plain entries', () => {
    const pending = new PendingRequests();
    pending.add('ping');
    assert.equal(pending.size, 1);
    pending.settle('ping');
    assert.equal(pending.size, 0);
  });
});

describe('message readers', () => {
  it('reads the id a cancellation names, and nothing else', () => {
    const cancel = (params: unknown) => ({ jsonrpc: '2.0', method: 'notifications/cancelled', params });
    assert.equal(cancelledRequestId(cancel({ requestId: 4 })), 4);
    assert.equal(cancelledRequestId(cancel({ requestId: 'x' })), 'x');
    assert.equal(cancelledRequestId(cancel({ requestId: { no: 1 } })), undefined);
    assert.equal(cancelledRequestId(cancel(undefined)), undefined);
    assert.equal(cancelledRequestId({ jsonrpc: '2.0', id: 1, method: 'notifications/cancelled' }), undefined);
    assert.equal(cancelledRequestId([cancel({ requestId: 4 })]), undefined);
  });

  it('finds a single tools/call request, not a notification, another method or a batch', () => {
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x' } };
    assert.equal(toolCallRequest(call), call);
    assert.equal(toolCallRequest({ jsonrpc: '2.0', method: 'tools/call' }), undefined);
    assert.equal(toolCallRequest({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), undefined);
    assert.equal(toolCallRequest([call]), undefined);
  });
});
