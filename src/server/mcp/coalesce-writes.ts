import type { ServerResponse } from 'node:http';

/**
 * Batches the writes one turn of the event loop makes to a response into a single socket write.
 *
 * The SDK writes every SSE event on its own; a tool that emits notifications back to back would
 * cost one syscall each. Corking at the first write and uncorking on `process.nextTick` sends
 * everything written in the same turn together, and nothing waits longer than that turn, so a
 * notification emitted alone still leaves at once.
 */
export function coalesceWrites(res: ServerResponse): void {
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  let corked = false;
  const flush = () => {
    if (!corked) return;
    corked = false;
    res.uncork();
  };
  // Node 24 drops what is still corked when a response ends, so release it first.
  res.end = ((...args: unknown[]) => {
    flush();
    return end(...args);
  }) as ServerResponse['end'];
  res.write = ((...args: unknown[]) => {
    if (!corked && !res.writableEnded) {
      corked = true;
      res.cork();
      process.nextTick(flush);
    }
    return write(...args);
  }) as ServerResponse['write'];
}
