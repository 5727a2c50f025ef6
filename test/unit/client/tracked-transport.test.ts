import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import type { FetchLike } from '@modelcontextprotocol/client';
import { TrackedTransport } from '../../../src/client/connect.js';

/** A fetch whose every POST answers with an event stream the test ends when it chooses. */
function controlledStreams() {
  const ends: Array<() => void> = [];
  const fetch: FetchLike = async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        ends.push(() => controller.close());
      },
    });
    return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
  };
  return { fetch, ends };
}

const call = (id: number) => ({
  jsonrpc: '2.0' as const,
  id,
  method: 'tools/call',
  params: { name: 'process_items', arguments: { items: ['a'] } },
});

describe('TrackedTransport.watchNext', () => {
  it('hears the end of its own request stream only, not that of an earlier call ending late', async () => {
    const { fetch, ends } = controlledStreams();
    const transport = new TrackedTransport(new URL('http://127.0.0.1:9/mcp'), { fetch });
    await transport.start();
    const heard: string[] = [];

    const stopFirst = transport.watchNext('tools/call', () => heard.push('first'));
    await transport.send(call(1));
    stopFirst(); // the first call got its result; its stream is still open
    transport.watchNext('tools/call', () => heard.push('second'));
    await transport.send({ jsonrpc: '2.0', id: 2, method: 'logging/setLevel', params: { level: 'info' } });
    await transport.send(call(3));

    ends[0]?.(); // the first call's stream ends while the second call runs
    ends[1]?.(); // so does the setLevel's: another method
    await tick();
    await tick();
    assert.deepEqual(heard, []);

    ends[2]?.(); // the second call's stream ends without a result
    await tick();
    await tick();
    assert.deepEqual(heard, ['second']);
    await transport.close();
  });
});
