import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestId } from '@modelcontextprotocol/server';

/**
 * The JSON-RPC request ids of the POST being handled. The session layer runs each POST's
 * `transport.handleRequest` inside it, so an event store learns which requests a new SDK stream
 * answers (the SDK passes only the stream id to `storeEvent`): that lets any replica find a
 * request's stream (`appendFinal`) and know when the stream has its last response.
 */
export const requestContext = new AsyncLocalStorage<readonly RequestId[]>();

/** Runs `fn` with `ids` as the current POST's request ids, for everything it awaits too. */
export function withRequestIds<T>(ids: readonly RequestId[], fn: () => T): T {
  return requestContext.run(ids, fn);
}
