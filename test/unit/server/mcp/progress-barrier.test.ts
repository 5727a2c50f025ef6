import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError, ProtocolErrorCode, SdkError, SdkErrorCode } from '@modelcontextprotocol/server';
import { createProgressBarrier, type Ping } from '../../../../src/server/mcp/progress-barrier.js';

/** A ping that answers as told and records each time it was asked, with the options it got. */
function pingThat(answer: () => Promise<unknown>) {
  const asked: Array<{ timeout: number }> = [];
  const ping: Ping = (options) => {
    asked.push({ timeout: options.timeout });
    return answer();
  };
  return { ping, asked };
}

const timedOut = () => Promise.reject(new SdkError(SdkErrorCode.RequestTimeout, 'Request timed out'));

describe('progress barrier', () => {
  it('waits for the answer to a ping, bounded by its timeout', async () => {
    const barrier = createProgressBarrier(1234);
    let answered = false;
    const { ping, asked } = pingThat(async () => {
      await new Promise((r) => setTimeout(r, 20));
      answered = true;
      return {};
    });
    await barrier(ping, new AbortController().signal);
    assert.equal(answered, true);
    assert.deepEqual(asked, [{ timeout: 1234 }]);
  });

  it('stops asking a client that left a ping unanswered, so it waits at most once', async () => {
    const barrier = createProgressBarrier();
    const { ping, asked } = pingThat(timedOut);
    await barrier(ping, new AbortController().signal);
    await barrier(ping, new AbortController().signal);
    assert.equal(asked.length, 1);
  });

  it('keeps asking a client that answers with an error: it read past the progress all the same', async () => {
    const barrier = createProgressBarrier();
    const { ping, asked } = pingThat(() =>
      Promise.reject(new ProtocolError(ProtocolErrorCode.MethodNotFound, 'Method not found')),
    );
    await barrier(ping, new AbortController().signal);
    await barrier(ping, new AbortController().signal);
    assert.equal(asked.length, 2);
  });

  it('sends no ping for a call already cancelled, and a cancellation does not silence later calls', async () => {
    const barrier = createProgressBarrier();
    const cancelled = new AbortController();
    cancelled.abort('user pressed Ctrl-C');
    const { ping, asked } = pingThat(async () => ({}));
    await barrier(ping, cancelled.signal);
    assert.equal(asked.length, 0);
    await barrier(() => Promise.reject(new Error('aborted')), new AbortController().signal);
    await barrier(ping, new AbortController().signal);
    assert.equal(asked.length, 1);
  });
});
