/**
 * The soak's lanes: each runs one kind of client work back to back until the deadline, and counts
 * what it saw in the shared tally. Calls are short (a few items, a few milliseconds apart) so
 * thousands run per minute; cancelled calls are longer, so the cancellation always lands mid-call.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Endpoint } from '../lib/http.js';
import { callProblem } from './call-check.js';
import { modernPeer, type Peer, sessionPeer, ssePeer } from './peers.js';
import { dropAndResume } from './resume.js';
import type { Tally } from './tally.js';

export type LaneKind = 'modern' | 'session' | 'sse' | 'cancel' | 'resume';

/**
 * The mix: 2026-07-28 calls, 2025 sessions opened, used and closed, cancellations in both eras
 * (the cancel lanes alternate), a 2025 call dropped and resumed, and one HTTP+SSE session lane.
 */
export const LANES: readonly LaneKind[] = [
  'modern',
  'modern',
  'session',
  'session',
  'cancel',
  'cancel',
  'resume',
  'sse',
];

const CALL = { items: 3, delayMs: 2 };
/** Calls per 2025 or HTTP+SSE session before it is closed and a new one opened. */
const CALLS_PER_SESSION = 3;
/** Long enough (≈ 0.5 s) that the cancel sent at the first progress always arrives mid-call. */
const CANCELLED_CALL = { items: 50, delayMs: 10 };
/** Longer than the 1 s `retry:`, so the resumed stream replays what was missed and then tails the call live. */
const RESUMED = { items: 30, delayMs: 50 };
/** After a failure, a lane waits before trying again, so a broken target is not hammered. */
const ERROR_PAUSE_MS = 250;

interface LaneContext {
  endpoint: Endpoint;
  tally: Tally;
  /** `performance.now()` after which a lane starts nothing new. */
  deadline: number;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function checkedCall(peer: Peer, tally: Tally, label: string): Promise<void> {
  const problem = callProblem(CALL.items, await peer.call(CALL.items, CALL.delayMs));
  if (problem) tally.fail(problem.kind, `${label}: ${problem.message}`);
  else tally.calls += 1;
}

/** Starts a long call and aborts it at its first progress; the call must then reject. */
async function cancelledCall(peer: Peer, tally: Tally, label: string): Promise<void> {
  const controller = new AbortController();
  try {
    const seen = await peer.call(CANCELLED_CALL.items, CANCELLED_CALL.delayMs, {
      signal: controller.signal,
      onProgress: () => controller.abort('the soak cancels'),
    });
    tally.fail(
      seen.progress.length === 0 ? 'notification' : 'result',
      `${label}: ${seen.progress.length === 0 ? 'no progress before the result' : 'the cancelled call still returned a result'}`,
    );
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    tally.cancelled += 1;
  }
}

/** Opens a session peer, runs `work` on it, and always closes it (DELETE for 2025 sessions). */
async function inSession(open: () => Promise<Peer>, tally: Tally, work: (peer: Peer) => Promise<void>) {
  const peer = await open();
  try {
    await work(peer);
  } finally {
    await peer.close();
  }
  tally.sessions += 1;
}

async function laneSteps(kind: LaneKind, ctx: LaneContext, index: number) {
  const { endpoint, tally } = ctx;
  const calls = (label: string) => async (peer: Peer) => {
    for (let i = 0; i < CALLS_PER_SESSION; i += 1) await checkedCall(peer, tally, label);
  };
  let modern: Peer | undefined;
  const modernOnce = async () => {
    modern ??= await modernPeer(endpoint);
    return modern;
  };
  let round = index;
  const step = async (): Promise<void> => {
    round += 1;
    switch (kind) {
      case 'modern':
        return checkedCall(await modernOnce(), tally, '2026-07-28 call');
      case 'session':
        return inSession(() => sessionPeer(endpoint), tally, calls('2025 session call'));
      case 'sse':
        return inSession(() => ssePeer(endpoint), tally, calls('HTTP+SSE call'));
      case 'cancel':
        if (round % 2 === 0) return cancelledCall(await modernOnce(), tally, '2026-07-28 cancel');
        // A 2025 session lives on after a cancelled call: the next call on it must work.
        return inSession(
          () => sessionPeer(endpoint),
          tally,
          async (peer) => {
            await cancelledCall(peer, tally, '2025 cancel');
            await checkedCall(peer, tally, '2025 call after a cancel');
          },
        );
      case 'resume': {
        const problem = await dropAndResume(endpoint, RESUMED.items, RESUMED.delayMs);
        if (problem) return tally.fail(problem.kind, `2025 resume: ${problem.message}`);
        tally.calls += 1;
        tally.resumed += 1;
        tally.sessions += 1;
        return;
      }
    }
  };
  return { step, close: async () => modern?.close() };
}

/** Runs one lane until the deadline; the lane's own failures are counted, never thrown. */
export async function runLane(kind: LaneKind, ctx: LaneContext, index: number): Promise<void> {
  const lane = await laneSteps(kind, ctx, index);
  try {
    while (performance.now() < ctx.deadline) {
      try {
        await lane.step();
      } catch (error) {
        ctx.tally.fail('request', `${kind} lane: ${messageOf(error)}`);
        await sleep(ERROR_PAUSE_MS);
      }
    }
  } finally {
    await lane.close().catch(() => undefined);
  }
}
