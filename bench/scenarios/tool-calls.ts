import { newAgent, sendForText } from '../lib/http.js';
import { closeSession, openSession } from '../lib/session.js';
import { percentile } from '../lib/stats.js';
import type { RunningTarget } from '../lib/targets.js';
import { type Era, toolCall } from '../lib/wire.js';

export interface ToolCallResult {
  callsPerSecond: number;
  p99Ms: number;
  calls: number;
  errors: number;
}

const ITEM = ['one short item'];

/**
 * Closed-loop load: `concurrency` workers each send `process_items` (1 item, no delay) back to
 * back for `durationMs`. In the 2025 era each worker keeps one session for all its calls, as a
 * real client does; sessions are opened before the clock starts and closed after it stops.
 */
export async function toolCallRound(
  target: Pick<RunningTarget, 'endpoint'>,
  era: Era,
  concurrency: number,
  durationMs: number,
): Promise<ToolCallResult> {
  const { endpoint } = target;
  const agent = newAgent(endpoint);
  const sessions =
    era === 'legacy'
      ? await Promise.all(Array.from({ length: concurrency }, () => openSession(endpoint, agent)))
      : [];
  const latencies: number[] = [];
  let errors = 0;
  let id = 100;
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async (slot: number) => {
    while (performance.now() < deadline) {
      const request = toolCall(era, id++, 'process_items', { items: ITEM, delayMs: 0 }, sessions[slot]);
      const sent = performance.now();
      try {
        const answer = await sendForText(endpoint, agent, request);
        if (answer.status === 200 && answer.text.includes('"structuredContent"'))
          latencies.push(performance.now() - sent);
        else errors += 1;
      } catch {
        errors += 1;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, (_, slot) => worker(slot)));
    const elapsed = performance.now() - started;
    if (latencies.length === 0) throw new Error(`no call succeeded (${errors} errors)`);
    return {
      callsPerSecond: latencies.length / (elapsed / 1000),
      p99Ms: percentile(latencies, 99),
      calls: latencies.length,
      errors,
    };
  } finally {
    await Promise.all(sessions.map((sid) => closeSession(endpoint, agent, sid)));
    agent.destroy();
  }
}
