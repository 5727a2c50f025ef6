import { Client, LOG_LEVEL_META_KEY, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { RunningTarget } from '../lib/targets.js';
import { type Era, itemsOf, MODERN_VERSION } from '../lib/wire.js';
import type { ThroughputResult } from './throughput.js';

/** How long to wait for notifications that travel on a standalone stream after the call ended. */
const STRAGGLER_MS = 2000;

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
  const expected = items * 2;
  let count = 0;
  let finished = 0;
  let reached: () => void = () => undefined;
  const allArrived = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const arrived = () => {
    count += 1;
    if (count >= expected) {
      finished ||= performance.now();
      reached();
    }
  };
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
    await Promise.race([allArrived, new Promise((r) => setTimeout(r, STRAGGLER_MS))]);
    const ended = finished || performance.now();
    return { perSecond: count / ((ended - started) / 1000), received: count, expected };
  } finally {
    if (era === 'legacy') await transport.terminateSession().catch(() => undefined);
    await client.close();
  }
}
