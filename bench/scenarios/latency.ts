import type { Endpoint } from '../lib/http.js';
import { newAgent, send } from '../lib/http.js';
import { closeSession, openSession } from '../lib/session.js';
import { StampReader } from '../lib/sse-counter.js';
import { percentile } from '../lib/stats.js';
import type { RunningTarget } from '../lib/targets.js';
import { itemsOf, toolCall } from '../lib/wire.js';
import { STAMPED_TOOL } from '../peers/tools.js';

export interface LatencyResult {
  p50Ms: number;
  p99Ms: number;
  samples: number;
}

/**
 * Emit-to-receive delay of progress notifications: the stamped tool writes
 * `process.hrtime.bigint()` into each progress message as it hands it to its notifier; the client
 * reads the same system-wide monotonic clock the moment the chunk holding it arrives. Items are
 * `delayMs` apart so each notification meets an idle pipeline: this is latency, not queueing.
 */
export async function latencyRound(
  target: RunningTarget,
  items: number,
  delayMs: number,
  via: Endpoint = target.endpoint,
): Promise<LatencyResult> {
  const agent = newAgent(via);
  const era = target.spec.eras[0] ?? 'modern';
  const reader = new StampReader();
  const delays: number[] = [];
  const sessionId = era === 'legacy' ? await openSession(via, agent) : undefined;
  try {
    const answer = await send(
      via,
      agent,
      toolCall(era, 9, STAMPED_TOOL, { items: itemsOf(items), delayMs }, sessionId),
      (chunk) => {
        const now = process.hrtime.bigint();
        for (const stamp of reader.push(chunk)) delays.push(Number(now - stamp) / 1e6);
      },
    );
    if (answer.status !== 200) throw new Error(`tools/call answered ${answer.status}`);
    if (delays.length !== items)
      throw new Error(`expected ${items} stamped notifications, got ${delays.length}`);
    return { p50Ms: percentile(delays, 50), p99Ms: percentile(delays, 99), samples: delays.length };
  } finally {
    if (sessionId) await closeSession(via, agent, sessionId);
    agent.destroy();
  }
}
