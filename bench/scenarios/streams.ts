import { newAgent, send } from '../lib/http.js';
import { closeSession, openSession } from '../lib/session.js';
import { NotificationCounter, PROGRESS_NOTIFICATION } from '../lib/sse-counter.js';
import { percentile } from '../lib/stats.js';
import type { RunningTarget } from '../lib/targets.js';
import { itemsOf, toolCall } from '../lib/wire.js';

export interface StreamsResult {
  errors: number;
  /** p99 of the time between consecutive progress notifications on one stream (ideal: delayMs). */
  p99GapMs: number;
  peakRssBytes: number;
}

/** Calls started per batch, and the pause between batches: a steady ramp, not one SYN flood. */
const BATCH = 100;
const BATCH_PAUSE_MS = 25;
/** 2025-era calls share sessions, as a client pool would. */
const STREAMS_PER_SESSION = 20;

/**
 * `count` concurrent long calls (`items` items, `delayMs` apart). An error is a failed request, a
 * non-200 answer, or a stream that ends without all its progress notifications. The server's RSS
 * is sampled every 50 ms throughout; the peak is reported.
 */
export async function streamsRound(
  target: RunningTarget,
  count: number,
  items: number,
  delayMs: number,
): Promise<StreamsResult> {
  const { endpoint } = target;
  const agent = newAgent(endpoint);
  const era = target.spec.eras[0] ?? 'modern';
  const sessions =
    era === 'legacy'
      ? await Promise.all(
          Array.from({ length: Math.ceil(count / STREAMS_PER_SESSION) }, () => openSession(endpoint, agent)),
        )
      : [];
  let peak = target.rss();
  let sampleError: unknown;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, target.rss());
    } catch (error) {
      sampleError ??= error;
    }
  }, 50);
  const gaps: number[] = [];
  let errors = 0;
  const args = { items: itemsOf(items), delayMs };
  const one = async (index: number) => {
    const counter = new NotificationCounter(PROGRESS_NOTIFICATION);
    let last = 0;
    const sessionId = sessions[Math.floor(index / STREAMS_PER_SESSION)];
    try {
      const answer = await send(
        endpoint,
        agent,
        toolCall(era, index + 1, 'process_items', args, sessionId),
        (chunk) => {
          if (counter.push(chunk) === 0) return;
          const now = performance.now();
          if (last !== 0) gaps.push(now - last);
          last = now;
        },
      );
      if (answer.status !== 200 || counter.count !== items) errors += 1;
    } catch {
      errors += 1;
    }
  };
  try {
    const calls: Promise<void>[] = [];
    for (let index = 0; index < count; index += 1) {
      calls.push(one(index));
      if ((index + 1) % BATCH === 0) await new Promise((r) => setTimeout(r, BATCH_PAUSE_MS));
    }
    await Promise.all(calls);
    if (sampleError) throw sampleError;
    return { errors, p99GapMs: gaps.length > 0 ? percentile(gaps, 99) : Number.NaN, peakRssBytes: peak };
  } finally {
    clearInterval(sampler);
    await Promise.all(sessions.map((sid) => closeSession(endpoint, agent, sid)));
    agent.destroy();
  }
}
