import type { EraChoice } from '../client/args.js';
import { type Connection, connect } from '../client/connect.js';
import { classifyError, EXIT } from '../client/errors.js';
import type { DoctorContext } from './check.js';

/** A client connection as `beacon call` makes it (same era negotiation, auth and CA handling). */
export function openConnection(ctx: DoctorContext, era: Exclude<EraChoice, 'sse'>): Promise<Connection> {
  return connect({
    url: ctx.url,
    era,
    auth: ctx.auth,
    headers: [],
    caPem: ctx.caPem,
    onLog: () => undefined,
    onNotice: () => undefined,
    env: ctx.env,
    openBrowser: false,
  });
}

/** Why a connection or call failed, in the client's words, and whether credentials were the cause. */
export function describeFailure(error: unknown, ctx: DoctorContext): { message: string; auth: boolean } {
  const failure = classifyError(error, {
    url: ctx.url,
    phase: 'connect',
    credentials: ctx.auth.kind !== 'none',
  });
  return { message: failure.message, auth: failure.exitCode === EXIT.auth };
}
