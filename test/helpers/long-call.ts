/** Long `process_items` calls by hand, for tests that need calls and streams held open. */

import assert from 'node:assert/strict';
import { modernRequest, post } from './raw-mcp.js';
import { readSse } from './sse.js';

/** Long enough to outlast any test that holds it; every test stops its calls itself. */
const LONG_ARGUMENTS = { items: Array.from({ length: 100 }, (_, i) => `item-${i}`), delayMs: 300 };

/** A 2026-07-28 `tools/call` of a long `process_items` that asks for progress. */
export function modernLongCall(id: number | string = 1) {
  return modernRequest(
    'tools/call',
    { name: 'process_items', arguments: LONG_ARGUMENTS },
    { progressToken: `p-${id}` },
    id,
  );
}

/** The same call as a 2025-era or 2024-11-05 session sends it. */
export function sessionLongCall(id: number | string) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'process_items', arguments: LONG_ARGUMENTS, _meta: { progressToken: `p-${id}` } },
  };
}

export interface RunningCall {
  /** Drops the connection, as a client that goes away mid-stream does. */
  stop(): void;
}

/**
 * POSTs a call whose answer streams on its own response and resolves once the first progress
 * notification has arrived, so the tool is known to be running.
 */
export async function startStreamedCall(
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<RunningCall> {
  const controller = new AbortController();
  const res = await post(url, body, headers, controller.signal);
  assert.equal(res.status, 200, await (res.status === 200 ? '' : res.text()));
  assert.ok(res.body);
  for await (const event of readSse(res.body)) {
    if (event.data.includes('"notifications/progress"')) return { stop: () => controller.abort() };
  }
  throw new Error('the call ended before its first progress notification');
}

/** Retries `attempt` until it returns true, for what the server frees once a connection has closed. */
export async function eventually(attempt: () => Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await attempt())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
