import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestId } from '@modelcontextprotocol/server';
import { isThenable } from '../../thenable.js';

/** One POST's request ids, until the stream it opens has taken them. */
interface PendingIds {
  readonly ids: readonly RequestId[];
  waiting: boolean;
}

/**
 * The JSON-RPC request ids of the POST being handled. The session layer runs a POST's
 * `transport.handleRequest` inside it, so an event store learns which requests a new SDK stream
 * answers (the SDK passes only the stream id to `storeEvent`): that lets any replica find a
 * request's stream (`appendFinal`) and know when the stream has its last response.
 */
const requestContext = new AsyncLocalStorage<PendingIds>();

/** POSTs whose stream has not taken its ids yet. */
let waiting = 0;

function settle(pending: PendingIds): void {
  if (!pending.waiting) return;
  pending.waiting = false;
  waiting -= 1;
  // On Node 20 an enabled AsyncLocalStorage hooks every promise of the process (bench/RESULTS.md:
  // a seventh of a 2025-era call's CPU, 2026-07-28 calls included): off while nobody needs it.
  if (waiting === 0) requestContext.disable();
}

/**
 * Runs `fn` with `ids` as the current POST's request ids, for everything it awaits too, until
 * the stream it opens takes them (`takeRequestIds`) or `fn` has settled.
 */
export function withRequestIds<T>(ids: readonly RequestId[], fn: () => T): T {
  const pending: PendingIds = { ids, waiting: true };
  waiting += 1;
  let result: T;
  try {
    result = requestContext.run(pending, fn);
  } catch (error) {
    settle(pending);
    throw error;
  }
  if (isThenable(result)) {
    const done = () => settle(pending);
    result.then(done, done);
  } else settle(pending);
  return result;
}

/** POSTs still waiting for their stream to take their ids: the context is enabled while any are. */
export function postsWaitingForStream(): number {
  return waiting;
}

/**
 * For a stream opened now: the request ids of the POST opening it, or undefined outside a
 * `withRequestIds` context. A POST opens one stream, so its ids are taken once.
 */
export function takeRequestIds(): readonly RequestId[] | undefined {
  const pending = requestContext.getStore();
  if (!pending?.waiting) return undefined;
  settle(pending);
  return pending.ids;
}
