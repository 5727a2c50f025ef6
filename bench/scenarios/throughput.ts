import { Arrivals, type ThroughputResult } from '../lib/arrivals.js';
import { newAgent, send } from '../lib/http.js';
import { closeSession, openSession } from '../lib/session.js';
import { NotificationCounter } from '../lib/sse-counter.js';
import type { RunningTarget } from '../lib/targets.js';
import { type Era, itemsOf, toolCall } from '../lib/wire.js';

/**
 * One `process_items` call over `items` items with no delay, at info level: one info log and one
 * progress per item. Counted by the lean client from the moment the request is sent until the
 * last expected notification has arrived (for most targets, when the call's stream ends). `era`
 * defaults to the target's first; in the 2025 era the call runs on a session opened beforehand,
 * so every notification also goes through the session's event store.
 */
export async function throughputRound(
  target: Pick<RunningTarget, 'endpoint' | 'spec'>,
  items: number,
  era: Era = target.spec.eras[0] ?? 'modern',
): Promise<ThroughputResult> {
  const { endpoint, spec } = target;
  const agent = newAgent(endpoint);
  const arrivals = new Arrivals(items * 2);
  const counter = new NotificationCounter();
  const onChunk = (chunk: Buffer) => arrivals.add(counter.push(chunk));

  const sessionId = era === 'legacy' ? await openSession(endpoint, agent) : undefined;
  const standalone = new AbortController();
  if (sessionId && spec.logsOnStandaloneStream) {
    const get = {
      method: 'GET',
      headers: {
        accept: 'text/event-stream',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-11-25',
      },
      body: '',
    };
    send(endpoint, agent, get, onChunk, standalone.signal).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    const started = performance.now();
    const answer = await send(
      endpoint,
      agent,
      toolCall(era, 7, 'process_items', { items: itemsOf(items), delayMs: 0 }, sessionId),
      onChunk,
    );
    if (answer.status !== 200) throw new Error(`tools/call answered ${answer.status}`);
    return await arrivals.result(started);
  } finally {
    standalone.abort();
    if (sessionId) await closeSession(endpoint, agent, sessionId);
    agent.destroy();
  }
}
