import { newAgent } from '../lib/http.js';
import { openSession } from '../lib/session.js';
import type { RunningTarget } from '../lib/targets.js';

export interface IdleSessionsResult {
  bytesPerSession: number;
  opened: number;
  errors: number;
}

const WARM_UP_SESSIONS = 50;
const OPENERS = 16;
const SETTLE_MS = 1000;

const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));

/**
 * Opens `count` 2025-era sessions (initialize + initialized, nothing else) on a fresh target and
 * divides the growth in RSS by the number opened. A target that opens sessions too slowly stops
 * at `budgetMs`, and the figure is over the sessions it managed. A few sessions are opened first, so the code paths and
 * their caches are warm before the baseline is read.
 */
export async function idleSessionsRound(
  target: RunningTarget,
  count: number,
  budgetMs: number,
): Promise<IdleSessionsResult> {
  const { endpoint } = target;
  const agent = newAgent(endpoint);
  let errors = 0;
  let opened = 0;
  const openMany = async (n: number, deadline: number) => {
    let next = 0;
    const worker = async () => {
      while (next < n && performance.now() < deadline) {
        next += 1;
        await openSession(endpoint, agent, { quiet: true }).then(
          () => {
            opened += 1;
          },
          () => {
            errors += 1;
          },
        );
      }
    };
    await Promise.all(Array.from({ length: OPENERS }, worker));
  };
  try {
    await openMany(WARM_UP_SESSIONS, Number.POSITIVE_INFINITY);
    await settle();
    const before = target.rss();
    errors = 0;
    opened = 0;
    await openMany(count, performance.now() + budgetMs);
    await settle();
    return { bytesPerSession: opened > 0 ? (target.rss() - before) / opened : Number.NaN, opened, errors };
  } finally {
    agent.destroy();
  }
}
