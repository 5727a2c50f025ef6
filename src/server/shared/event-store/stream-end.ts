import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/server';
import { takeRequestIds } from './request-context.js';

/**
 * The SDK's name for the standalone GET stream (`WebStandardStreamableHTTPServerTransport`): it
 * carries no responses, answers no request and never ends.
 */
export const STANDALONE_STREAM_ID = '_GET_stream';

/**
 * The request a message answers, when it is a JSON-RPC result or error. A structural check: this
 * runs for every stored event, where the SDK's zod guards would cost more than the store itself.
 */
export function responseIdOf(message: JSONRPCMessage): RequestId | undefined {
  if ('method' in message || !('id' in message)) return undefined;
  if (!('result' in message) && !('error' in message)) return undefined;
  return typeof message.id === 'string' || typeof message.id === 'number' ? message.id : undefined;
}

/** How a request id is written where ids must compare exactly (`1` and `"1"` differ). */
export const requestKey = (id: RequestId): string => JSON.stringify(id);

/**
 * When a POST's stream has its last response. The SDK ends a stream once every request of its
 * POST has been answered (a batch shares one stream); the request ids come from the POST's
 * `withRequestIds` context. Without that context the first response ends the stream, which is
 * right for every non-batch POST.
 */
export class StreamEnd {
  readonly #pending: Set<string> | undefined;

  private constructor(readonly requestIds: readonly RequestId[] | undefined) {
    this.#pending = requestIds && new Set(requestIds.map(requestKey));
  }

  /** For a stream opened now: the standalone stream answers no request, whatever the context. */
  static forNewStream(streamId: string): StreamEnd {
    return new StreamEnd(streamId === STANDALONE_STREAM_ID ? [] : takeRequestIds());
  }

  /** Whether the stream still waits for the response to `id`. */
  awaits(id: RequestId): boolean {
    if (this.requestIds?.length === 0) return false;
    return this.#pending ? this.#pending.has(requestKey(id)) : true;
  }

  /** Records a stored message; true when it is the stream's last response. */
  isLast(message: JSONRPCMessage): boolean {
    const id = responseIdOf(message);
    if (id === undefined || this.requestIds?.length === 0) return false;
    if (!this.#pending) return true;
    this.#pending.delete(requestKey(id));
    return this.#pending.size === 0;
  }
}

/** An event as kept: its JSON, so a replay sends what was sent, and that JSON's size in bytes. */
export interface KeptEvent {
  json: string;
  bytes: number;
}

/**
 * What to keep of an event within `maxBytes` per event: a larger notification is not kept
 * (resuming after it finds its id unknown), and a larger response is kept as a small error for
 * the same request, so a stream that resumes still ends with a definite answer.
 */
export function keepable(message: JSONRPCMessage, maxBytes: number): KeptEvent | undefined {
  const json = JSON.stringify(message);
  const bytes = Buffer.byteLength(json);
  if (bytes <= maxBytes) return { json, bytes };
  const id = responseIdOf(message);
  if (id === undefined) return undefined;
  const standIn = JSON.stringify({
    jsonrpc: '2.0',
    id,
    error: { code: -32603, message: 'The response was too large to keep for resumption; call again' },
  });
  return { json: standIn, bytes: Buffer.byteLength(standIn) };
}
