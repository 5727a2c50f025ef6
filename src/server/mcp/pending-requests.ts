import {
  isJSONRPCNotification,
  isJSONRPCRequest,
  type JSONRPCRequest,
  type RequestId,
} from '@modelcontextprotocol/server';

const noop = () => undefined;

/**
 * One session's requests that have had neither an answer nor a cancellation, by JSON-RPC id, each
 * with the release of the call places it holds (see call-admission.ts). A cancelled request is
 * never answered, and a client may keep its stream open long after (the SDK v1 client does), so
 * the places go back on `notifications/cancelled`, not only when a stream closes.
 * An id names one request in flight: the spec forbids reusing it within a session, and a reused
 * id would let one call's end give back another's places, so callers refuse one that `has`.
 */
export class PendingRequests {
  readonly #byId = new Map<RequestId, () => void>();

  get size(): number {
    return this.#byId.size;
  }

  has(id: RequestId): boolean {
    return this.#byId.has(id);
  }

  /**
   * Notes a request. The returned function ends it whatever happened (its stream closed): it
   * gives its places back and forgets it, unless it was settled already.
   */
  add(id: RequestId, release: () => void = noop): () => void {
    const entry = () => release();
    this.#byId.set(id, entry);
    return () => {
      if (this.#byId.get(id) === entry) this.#byId.delete(id);
      release();
    };
  }

  /** The request was answered or cancelled: its places go back. Unknown ids are ignored. */
  settle(id: RequestId): void {
    const entry = this.#byId.get(id);
    this.#byId.delete(id);
    entry?.();
  }

  /** The session ended: every request in it has ended too. */
  settleAll(): void {
    for (const id of [...this.#byId.keys()]) this.settle(id);
  }
}

/** The id a `notifications/cancelled` message cancels, or undefined for any other message. */
export function cancelledRequestId(message: unknown): RequestId | undefined {
  if (!isJSONRPCNotification(message) || message.method !== 'notifications/cancelled') return undefined;
  const id = (message.params as { requestId?: unknown } | undefined)?.requestId;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

/** The message when it is one `tools/call` request (not a batch). */
export function toolCallRequest(message: unknown): JSONRPCRequest | undefined {
  return isJSONRPCRequest(message) && message.method === 'tools/call' ? message : undefined;
}
