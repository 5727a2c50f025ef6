import type { EventId, EventStore, JSONRPCMessage, StreamId } from '@modelcontextprotocol/server';
import { eventStoreTotals } from '../../observability/metrics.js';

export interface EventStoreLimits {
  /** Most events kept for one session; the oldest go first. */
  maxEvents: number;
  /** Most serialised bytes kept for one session; the oldest go first. */
  maxBytes: number;
  /** Events older than this are dropped: a client that comes back later must re-initialise. */
  ttlMs: number;
}

interface StoredEvent {
  streamId: StreamId;
  /** The message as JSON: `maxBytes` then bounds exactly what is held, and a replay sends what was sent. */
  json: string;
  bytes: number;
  storedAt: number;
}

/**
 * One legacy session's resumption buffer (2025-03-26+ Streamable HTTP, `Last-Event-ID`).
 *
 * Bounded three ways so a slow or vanished client cannot grow memory without limit: by count,
 * by bytes, and by age. Event ids carry a per-session sequence number and the stream id, so an
 * id is unique within the session and names its stream; replay sends only later events of that
 * same stream, never another stream's.
 */
export class MemoryEventStore implements EventStore {
  // Map keeps insertion order, which is also age order: eviction walks from the front.
  readonly #events = new Map<EventId, StoredEvent>();
  #sequence = 0;
  #bytes = 0;

  constructor(
    private readonly limits: EventStoreLimits,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#events.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    this.#sequence += 1;
    const eventId = `${this.#sequence}.${streamId}`;
    const json = JSON.stringify(message);
    const bytes = Buffer.byteLength(json);
    this.#events.set(eventId, { streamId, json, bytes, storedAt: this.now() });
    this.#account(1, bytes);
    this.#evict();
    return eventId;
  }

  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    this.#evict();
    return this.#events.get(eventId)?.streamId;
  }

  async replayEventsAfter(
    lastEventId: EventId,
    { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> },
  ): Promise<StreamId> {
    this.#evict();
    const last = this.#events.get(lastEventId);
    if (!last) throw new Error('Unknown or expired event id');
    let after = false;
    for (const [eventId, event] of this.#events) {
      if (after && event.streamId === last.streamId)
        await send(eventId, JSON.parse(event.json) as JSONRPCMessage);
      if (eventId === lastEventId) after = true;
    }
    return last.streamId;
  }

  /** Drops everything; called when the session ends. */
  clear(): void {
    this.#account(-this.#events.size, -this.#bytes);
    this.#events.clear();
  }

  #evict(): void {
    const oldestAllowed = this.now() - this.limits.ttlMs;
    for (const [eventId, event] of this.#events) {
      const over = this.#events.size > this.limits.maxEvents || this.#bytes > this.limits.maxBytes;
      if (!over && event.storedAt >= oldestAllowed) break;
      this.#events.delete(eventId);
      this.#account(-1, -event.bytes);
    }
  }

  #account(events: number, bytes: number): void {
    this.#bytes += bytes;
    eventStoreTotals.events += events;
    eventStoreTotals.bytes += bytes;
  }
}
