import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { eitherSignal } from '../../../../src/server/mcp/either-signal.js';

describe('eitherSignal', () => {
  it('aborts with the first input to abort, and keeps its reason', () => {
    const a = new AbortController();
    const b = new AbortController();
    const { signal } = eitherSignal(a.signal, b.signal);
    assert.equal(signal.aborted, false);
    b.abort(new Error('shutting down'));
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as Error).message, 'shutting down');
    a.abort(new Error('later'));
    assert.equal((signal.reason as Error).message, 'shutting down');
  });

  it('follows the first input too', () => {
    const a = new AbortController();
    const { signal } = eitherSignal(a.signal, new AbortController().signal);
    a.abort('cancelled');
    assert.equal(signal.reason, 'cancelled');
  });

  it('is already aborted when an input already is', () => {
    const done = AbortSignal.abort('gone');
    assert.equal(eitherSignal(new AbortController().signal, done).signal.reason, 'gone');
    assert.equal(eitherSignal(done, new AbortController().signal).signal.reason, 'gone');
  });

  it('leaves no listener on either input once disposed', () => {
    const shutdown = new AbortController();
    const call = new AbortController();
    for (let i = 0; i < 100; i += 1) eitherSignal(call.signal, shutdown.signal).dispose();
    assert.equal(getEventListeners(shutdown.signal, 'abort').length, 0);
    assert.equal(getEventListeners(call.signal, 'abort').length, 0);
  });

  it('no longer follows an input after dispose', () => {
    const a = new AbortController();
    const linked = eitherSignal(a.signal, new AbortController().signal);
    linked.dispose();
    a.abort();
    assert.equal(linked.signal.aborted, false);
  });
});
