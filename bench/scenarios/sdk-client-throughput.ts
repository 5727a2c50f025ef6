import { Client, LOG_LEVEL_META_KEY, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Arrivals, type ThroughputResult } from '../lib/arrivals.js';
import type { RunningTarget } from '../lib/targets.js';
import { type Era, itemsOf, MODERN_VERSION } from '../lib/wire.js';

/**
 * throughput.ts's round read by the official SDK v2 client, as a user's client reads it: every
 * message parsed and validated, progress through `onprogress`, logs through a notification
 * handler. Timed from the `tools/call` until the last expected notification; connecting (and, in
 * the 2025 era, `initialize` and `logging/setLevel`) happens before the clock starts.
 */
export async function sdkClientThroughputRound(
  target: Pick<RunningTarget, 'endpoint'>,
  items: number,
  era: Era,
): Promise<ThroughputResult> {
  const arrivals = new Arrivals(items * 2);
  const arrived = () => arrivals.add();
  const mode = era === 'modern' ? { pin: MODERN_VERSION } : ('legacy' as const);
  const client = new Client({ name: 'beacon-bench', version: '1.0.0' }, { versionNegotiation: { mode } });
  client.setNotificationHandler('notifications/message', arrived);
  const transport = new StreamableHTTPClientTransport(target.endpoint.url, {
    requestInit: { headers: target.endpoint.headers },
  });
  try {
    await client.connect(transport);
    if (era === 'legacy') await client.setLoggingLevel('info');
    const meta = era === 'modern' ? { _meta: { [LOG_LEVEL_META_KEY]: 'info' } } : {};
    const started = performance.now();
    await client.callTool(
      { name: 'process_items', arguments: { items: itemsOf(items), delayMs: 0 }, ...meta },
      { onprogress: arrived, timeout: 60_000 },
    );
    return await arrivals.result(started);
  } finally {
    if (era === 'legacy') await transport.terminateSession().catch(() => undefined);
    await client.close();
  }
}
