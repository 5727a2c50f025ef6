import type { EventId, JSONRPCMessage, RequestId, StreamId } from '@modelcontextprotocol/server';
import { eventStoreTotals } from '../../observability/metrics.js';
import { type EventStores, type SessionEventStore, UnknownEventError } from '../shared-state.js';
import { keepable, requestKey, StreamEnd } from './stream-end.js';

export interface EventStoreLimits {
  /** Most events kept for one session; the oldest go first. */
  maxEvents: number;
  /** Most serialised bytes kept for one session (and for one event); the oldest go first. */
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
  /** The stream's last response: a replay or a tail ends with it. */
  last: boolean;
}

/** A tail waiting for live events: `deliver` runs inside `storeEvent`, `end` when the session ends. */
interface LiveTail {
  deliver(eventId: EventId, event: StoredEvent): void;
  end(): void;
}

/**
 * One legacy session's resumption buffer (2025-03-26+ Streamable HTTP, `Last-Event-ID`), for one
 * process: every stream is written here, so `writesLocally` is always true.
 *
 * Bounded three ways so a slow or vanished client cannot grow memory without limit: by count,
 * by bytes, and by age. Event ids carry a per-session sequence number and the stream id, so an
 * id is unique within the session and names its stream; replay sends only later events of that
 * same stream, never another stream's.
 */
export class MemoryEventStore implements SessionEventStore {
  // Map keeps insertion order, which is also age order: eviction walks from the front.
  readonly #events = new Map<EventId, StoredEvent>();
  /** Streams that have not had their last response yet. */
  readonly #open = new Map<StreamId, StreamEnd>();
  /** Which open stream answers a request, for `appendFinal`. */
  readonly #requests = new Map<string, StreamId>();
  readonly #tails = new Map<StreamId, Set<LiveTail>>();
  #sequence = 0;
  #bytes = 0;

  constructor(
    private readonly limits: EventStoreLimits,
    private readonly now: () => number = Date.now,
    private readonly onClear: () => void = () => undefined,
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
    const end = this.#open.get(streamId) ?? this.#openStream(streamId);
    const last = end.isLast(message);
    if (last) this.#close(streamId, end);
    const kept = keepable(message, this.limits.maxBytes);
    if (!kept) return eventId;
    const event = { streamId, json: kept.json, bytes: kept.bytes, storedAt: this.now(), last };
    this.#events.set(eventId, event);
    this.#account(1, kept.bytes);
    this.#evict();
    for (const tail of this.#tails.get(streamId) ?? []) tail.deliver(eventId, event);
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
    const last = this.#known(lastEventId);
    for (const [eventId, event] of this.#later(lastEventId, last)) {
      await send(eventId, JSON.parse(event.json) as JSONRPCMessage);
      if (event.last) break;
    }
    return last.streamId;
  }

  writesLocally(_streamId: StreamId): boolean {
    return true;
  }

  async tail(
    lastEventId: EventId,
    send: (eventId: EventId, message: JSONRPCMessage) => void,
    signal: AbortSignal,
  ): Promise<boolean> {
    const last = this.#known(lastEventId);
    if (last.last) return true;
    for (const [eventId, event] of this.#later(lastEventId, last)) {
      if (signal.aborted) return false;
      send(eventId, JSON.parse(event.json) as JSONRPCMessage);
      if (event.last) return true;
    }
    // The stream ended but its last response was evicted: nothing more will come.
    if (signal.aborted || !this.#open.has(last.streamId)) return false;
    return new Promise<boolean>((resolve, reject) => {
      const tails = this.#tails.get(last.streamId) ?? new Set<LiveTail>();
      this.#tails.set(last.streamId, tails);
      const finish = (sent: boolean) => {
        stop();
        resolve(sent);
      };
      const stop = () => {
        tails.delete(tail);
        if (tails.size === 0 && this.#tails.get(last.streamId) === tails) this.#tails.delete(last.streamId);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => finish(false);
      const tail: LiveTail = {
        // Runs inside storeEvent: a failing send ends this tail, never the tool that stored the event.
        deliver: (eventId, event) => {
          try {
            send(eventId, JSON.parse(event.json) as JSONRPCMessage);
          } catch (error) {
            stop();
            reject(error);
            return;
          }
          if (event.last) finish(true);
        },
        end: () => finish(false),
      };
      tails.add(tail);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async appendFinal(requestId: RequestId, message: JSONRPCMessage): Promise<void> {
    const streamId = this.#requests.get(requestKey(requestId));
    if (streamId !== undefined && this.#open.get(streamId)?.awaits(requestId)) {
      await this.storeEvent(streamId, message);
    }
  }

  /** Drops everything and ends every tail; called when the session ends. */
  async clear(): Promise<void> {
    this.#account(-this.#events.size, -this.#bytes);
    this.#events.clear();
    this.#open.clear();
    this.#requests.clear();
    for (const tails of [...this.#tails.values()]) for (const tail of [...tails]) tail.end();
    this.onClear();
  }

  #openStream(streamId: StreamId): StreamEnd {
    const end = StreamEnd.forNewStream(streamId);
    this.#open.set(streamId, end);
    for (const id of end.requestIds ?? []) this.#requests.set(requestKey(id), streamId);
    return end;
  }

  #close(streamId: StreamId, end: StreamEnd): void {
    this.#open.delete(streamId);
    for (const id of end.requestIds ?? []) this.#requests.delete(requestKey(id));
  }

  #known(eventId: EventId): StoredEvent {
    this.#evict();
    const event = this.#events.get(eventId);
    if (!event) throw new UnknownEventError('Unknown or expired event id');
    return event;
  }

  /** The events of `from`'s stream stored after it, oldest first. */
  *#later(fromId: EventId, from: StoredEvent): Generator<[EventId, StoredEvent]> {
    let after = false;
    for (const [eventId, event] of this.#events) {
      if (after && event.streamId === from.streamId) yield [eventId, event];
      if (eventId === fromId) after = true;
    }
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

/** One process's event stores: `forSession` gives the same store for the same session until it is cleared. */
export class MemoryEventStores implements EventStores {
  /** One process: its leases never expire, so nothing calls `appendFinal`. */
  readonly needsEveryRequestId = false;
  readonly #sessions = new Map<string, MemoryEventStore>();

  constructor(
    private readonly limits: EventStoreLimits,
    private readonly now: () => number = Date.now,
  ) {}

  forSession(sessionId: string): MemoryEventStore {
    let store = this.#sessions.get(sessionId);
    if (!store) {
      store = new MemoryEventStore(this.limits, this.now, () => this.#sessions.delete(sessionId));
      this.#sessions.set(sessionId, store);
    }
    return store;
  }
}
