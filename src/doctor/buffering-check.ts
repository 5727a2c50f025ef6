import { judgeBuffering } from './buffering.js';
import { type CheckResult, type DoctorContext, fail, ok, skip, warn } from './check.js';
import { describeFailure, openConnection } from './session.js';

const NAME = 'proxy buffering';
const ITEMS = ['doctor-1', 'doctor-2', 'doctor-3', 'doctor-4', 'doctor-5'];
const DELAY_MS = 300;

export const BUFFERING_FIX =
  'turn off response buffering for text/event-stream on every proxy in between (nginx: proxy_buffering off; ' +
  'Caddy: do not set encode for it), and do not compress event streams';

/** The usual "all my progress arrives at once behind nginx": run a short call and time the arrivals. */
export async function checkBuffering(ctx: DoctorContext, credentialsWork: boolean): Promise<CheckResult> {
  if (!credentialsWork) return skip(NAME, 'needs working credentials to run process_items');
  const arrivals: number[] = [];
  try {
    const connection = await openConnection(ctx, 'auto');
    try {
      await connection.client.callTool(
        { name: 'process_items', arguments: { items: ITEMS, delayMs: DELAY_MS } },
        { onprogress: () => arrivals.push(performance.now()) },
      );
    } finally {
      await connection.close();
    }
  } catch (error) {
    return fail(NAME, `process_items failed: ${describeFailure(error, ctx).message}`);
  }
  const verdict = judgeBuffering(DELAY_MS, arrivals);
  if (verdict.live === undefined) return warn(NAME, verdict.detail);
  return verdict.live ? ok(NAME, verdict.detail) : fail(NAME, verdict.detail, BUFFERING_FIX);
}
