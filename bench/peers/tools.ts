import type { AnyTool } from '../../src/server/mcp/server.js';
import { createProcessItemsTool } from '../../src/server/tools/process-items.js';
import { withEmitStamp } from '../lib/sse-counter.js';

/**
 * The tools every target serves. All targets run Beacon's own `process_items` implementation,
 * so the per-item work and the notification texts are identical and only the server stack differs.
 *
 * `process_items_stamped` is the same tool with an emit stamp appended to each progress message at
 * the moment the tool hands it to its notifier: the latency client subtracts it from the time of
 * receipt (both read the system-wide monotonic clock). It exists only in the bench; production
 * never registers it.
 */
export const STAMPED_TOOL = 'process_items_stamped';

export function stampedProcessItemsTool(): AnyTool {
  const inner = createProcessItemsTool();
  const stamped: typeof inner = {
    ...inner,
    name: STAMPED_TOOL,
    title: 'Process items (bench: stamped)',
    run: (input, ctx) =>
      inner.run(input, {
        signal: ctx.signal,
        notify: {
          log: (level, data) => ctx.notify.log(level, data),
          progress: (done, total, message) => ctx.notify.progress(done, total, withEmitStamp(message ?? '')),
        },
      }),
  };
  return stamped as unknown as AnyTool;
}

export function benchTools(): AnyTool[] {
  return [createProcessItemsTool() as unknown as AnyTool, stampedProcessItemsTool()];
}

/** The port a peer listens on: the harness picks a free one and passes it in PORT. */
export function peerPort(): number {
  const port = Number(process.env.PORT);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`PORT must be a port number from 1 to 65535 (got ${JSON.stringify(process.env.PORT)})`);
  }
  return port;
}
