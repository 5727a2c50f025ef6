import { randomBytes } from 'node:crypto';
import type { EventId, JSONRPCMessage, RequestId, StreamId } from '@modelcontextprotocol/server';
import type { RedisClientType } from 'redis';
import type { Logger } from '../../observability/logger.js';
import { eventStoreWriteErrors } from '../../observability/metrics.js';
import { type EventStores, type SessionEventStore, UnknownEventError } from '../shared-state.js';
import type { EventStoreLimits } from './memory.js';
import {
  compareEntryIds,
  type EventAddress,
  formatEventId,
  laneName,
  parseEventId,
  SessionKeys,
} from './redis-keys.js';
import { LaneWriter } from './redis-lane.js';
import { SessionOutbox } from './redis-outbox.js';
import { appendResponse, clearSession } from './redis-scripts.js';
import { type BlockingRedis, StreamTailer } from './redis-tailer.js';
import { WriteWindow } from './redis-write-window.js';
import { keepable, requestKey, responseIdOf, StreamEnd } from './stream-end.js';

/**
 * What the store needs of its ordinary node-redis connection. It must be one connection (not a
 * pool): a lane's writes are sent in order without waiting, and must reach Redis in that order.
 */
export type EventStoreRedis = Pick<
  RedisClientType,
  'xRange' | 'xAdd' | 'pExpire' | 'eval' | 'evalSha' | 'scriptLoad' | 'sendCommand'
>;

export interface RedisEventStoreOptions {
  /** REDIS_KEY_PREFIX. */
  keyPrefix: string;
  /** EVENT_STORE_MAX_EVENTS, EVENT_STORE_MAX_BYTES, EVENT_STORE_TTL_MS. */
  limits: EventStoreLimits;
  logger: Logger;
  now?: () => number;
  /** How long one blocking read waits before it is sent again (default 10 s). */
  blockMs?: number;
  /** Events stored but not yet acknowledged, per process, before `storeEvent` waits (see `WriteWindow`). */
  maxPendingWrites?: number;
}

/** Entries read per `XRANGE` while replaying. */
const PAGE = 500;
/** A write failure is logged at most this often (each one is counted). */
const REPORT_EVERY_MS = 10_000;

interface Entry {
  id: string;
  message: Record<string, string>;
}

/**
 * Per-session event stores in Redis Streams, shared by every replica with the same REDIS_URL:
 * events stored on one replica are replayed, and tailed live, from any other. `client` is the
 * ordinary connection; `openBlocking` opens the one dedicated connection on which this process
 * tails streams (blocking `XREAD`), on first use.
 */
export class RedisEventStores implements EventStores {
  readonly needsEveryRequestId = true;
  readonly #tailer: StreamTailer;
  readonly #window: WriteWindow;
  readonly #now: () => number;
  #unreported = 0;
  #reportedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly client: EventStoreRedis,
    openBlocking: () => Promise<BlockingRedis>,
    private readonly options: RedisEventStoreOptions,
  ) {
    this.#now = options.now ?? Date.now;
    const blockMs = options.blockMs ?? 10_000;
    const wakeKey = `${options.keyPrefix}ev-wake:${randomBytes(6).toString('hex')}`;
    this.#tailer = new StreamTailer(client, openBlocking, wakeKey, blockMs);
    this.#window = new WriteWindow(options.maxPendingWrites ?? 10_000, (error, events) =>
      this.#writeFailed(error, events),
    );
  }

  forSession(sessionId: string): RedisSessionEventStore {
    return new RedisSessionEventStore(this.client, new SessionKeys(this.options.keyPrefix, sessionId), {
      limits: this.options.limits,
      now: this.#now,
      tailer: this.#tailer,
      window: this.#window,
    });
  }

  /** Ends every tail of this process and closes the blocking connection. */
  close(): Promise<void> {
    return this.#tailer.close();
  }

  #writeFailed(error: unknown, events: number): void {
    eventStoreWriteErrors.inc(events);
    this.#unreported += events;
    const now = this.#now();
    if (now - this.#reportedAt < REPORT_EVERY_MS) return;
    this.options.logger.warn(
      { err: error, failed: this.#unreported },
      'event store writes failed; those events cannot be resumed',
    );
    this.#unreported = 0;
    this.#reportedAt = now;
  }
}

interface SessionContext {
  limits: EventStoreLimits;
  now: () => number;
  tailer: StreamTailer;
  window: WriteWindow;
}

/**
 * One session's events as this replica sees them. Keep one instance per session per replica: it
 * is the writer of the lanes it opens (see `SessionKeys`), and `writesLocally` answers for those.
 */
export class RedisSessionEventStore implements SessionEventStore {
  /** Names this instance's lanes; random, so two writers never share a lane. */
  readonly #writer = randomBytes(6).toString('hex');
  /** Lanes written here that have not had their last response yet. */
  readonly #lanes = new Map<StreamId, LaneWriter>();
  readonly #outbox: SessionOutbox;
  /** Set by `clear`: a tail still replaying then ends instead of following. */
  #cleared = false;

  constructor(
    private readonly client: EventStoreRedis,
    private readonly keys: SessionKeys,
    private readonly context: SessionContext,
  ) {
    this.#outbox = new SessionOutbox(client, keys, context.window, this.#bounds());
  }

  /**
   * Buffers the write and returns the event id at once: the id is chosen here, the write goes out
   * with this turn's others (see `SessionOutbox`), and its failure is counted, never thrown into
   * the tool that emitted the event. A stream's first event (the priming one) waits for Redis: once
   * a client holds an id, every replica must know its lane and the requests it answers, or a
   * resumption after this replica dies finds nothing to follow and nowhere to put the answer.
   */
  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    const { limits, window } = this.context;
    await window.room();
    const now = this.context.now();
    const opened = this.#lanes.get(streamId);
    const lane = opened ?? this.#openLane(streamId);
    const entryId = lane.nextId(now);
    const last = lane.end.isLast(message);
    if (last) this.#lanes.delete(streamId);
    const kept = keepable(message, limits.maxBytes);
    if (kept) {
      const cut = lane.hold(entryId, now, kept.bytes, limits);
      const responseId = responseIdOf(message);
      const entry = {
        id: entryId,
        json: kept.json,
        requestKey: responseId === undefined ? '' : requestKey(responseId),
        ended: last ? `${now} ${lane.events} ${lane.bytes}` : '',
      };
      this.#outbox.append(lane, entry, cut, last || lane.expiryDue(now, limits.ttlMs));
      if (!opened) await this.#outbox.settled();
    }
    return formatEventId(entryId, lane.lane);
  }

  /** The stream an id names, read from the id itself (an expired id still names its stream). */
  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    return parseEventId(eventId)?.streamId;
  }

  async replayEventsAfter(
    lastEventId: EventId,
    { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> },
  ): Promise<StreamId> {
    const address = this.#address(lastEventId);
    for await (const entry of this.#after(address)) {
      await send(
        formatEventId(entry.id, address.lane),
        JSON.parse(entry.message.m ?? '{}') as JSONRPCMessage,
      );
      if (entry.message.f) break;
    }
    return address.streamId;
  }

  writesLocally(streamId: StreamId): boolean {
    return this.#lanes.has(streamId);
  }

  async tail(
    lastEventId: EventId,
    send: (eventId: EventId, message: JSONRPCMessage) => void,
    signal: AbortSignal,
  ): Promise<boolean> {
    const address = this.#address(lastEventId);
    const deliver = (id: string, fields: Record<string, string>): boolean => {
      send(formatEventId(id, address.lane), JSON.parse(fields.m ?? '{}') as JSONRPCMessage);
      return fields.f === '1';
    };
    let cursor = address.entryId;
    for await (const entry of this.#after(address, { withAnchor: true, acceptLost: true })) {
      if (signal.aborted) return false;
      if (entry.id === address.entryId) {
        if (entry.message.f) return true;
        continue;
      }
      cursor = entry.id;
      if (deliver(entry.id, entry.message)) return true;
    }
    if (this.#cleared) return false;
    // Live from where the replay stopped: the read starts at the cursor, so nothing written
    // in between is missed.
    return this.context.tailer.follow(this.keys.lane(address.lane), cursor, deliver, signal);
  }

  async appendFinal(requestId: RequestId, message: JSONRPCMessage): Promise<void> {
    const kept = keepable(message, this.context.limits.maxBytes);
    if (!kept) return;
    await this.#outbox.settled();
    const now = String(this.context.now());
    await appendResponse.run(
      this.client,
      [this.keys.meta, this.keys.ended],
      [requestKey(requestId), kept.json, now, ...this.#bounds()],
    );
  }

  /** Deletes the session's events on every replica, and ends this replica's tails of them. */
  async clear(): Promise<void> {
    this.#cleared = true;
    this.#lanes.clear();
    this.context.tailer.end(this.keys.lanePrefix);
    await this.#outbox.settled();
    await clearSession.run(this.client, [this.keys.meta, this.keys.ended], [this.keys.lanePrefix]);
  }

  /** Resolves when every write this instance has sent so far has been answered. */
  flush(): Promise<void> {
    return this.#outbox.settled();
  }

  #openLane(streamId: StreamId): LaneWriter {
    const lane = laneName(this.#writer, streamId);
    const writer = new LaneWriter(this.keys.lane(lane), lane, StreamEnd.forNewStream(streamId));
    this.#lanes.set(streamId, writer);
    return writer;
  }

  /** Lane key prefix, maxEvents, maxBytes, ttl ms: the scripts' common arguments. */
  #bounds(): string[] {
    const { maxEvents, maxBytes, ttlMs } = this.context.limits;
    return [this.keys.lanePrefix, String(maxEvents), String(maxBytes), String(ttlMs)];
  }

  #address(eventId: EventId): EventAddress {
    const address = parseEventId(eventId);
    if (!address) throw new UnknownEventError('Unknown or expired event id');
    return address;
  }

  /**
   * Whether the lane still holds entries from before `entryId`: an id missing there was sent by a
   * writer that died before storing it (see storeEvent), not dropped, so what follows it is owed.
   */
  async #lostInLane(key: string, entryId: string): Promise<boolean> {
    const [first] = (await this.client.xRange(key, '-', '+', { COUNT: 1 })) as Entry[];
    return first !== undefined && compareEntryIds(first.id, entryId) < 0;
  }

  /**
   * The lane's entries after `address`, oldest first (with the entry at `address` first when
   * `withAnchor`); throws `UnknownEventError` when that entry is not there, unless `acceptLost`
   * and it was lost with its writer (`#lostInLane`). Reads in pages, at most twice the lane's
   * bound: a tail carries on live from wherever this stops.
   */
  async *#after(
    address: EventAddress,
    { withAnchor = false, acceptLost = false } = {},
  ): AsyncGenerator<Entry> {
    await this.#outbox.settled();
    const key = this.keys.lane(address.lane);
    const pages = Math.ceil((2 * this.context.limits.maxEvents) / PAGE) + 1;
    let start = address.entryId;
    for (let page = 0; page < pages; page++) {
      const entries = (await this.client.xRange(key, page === 0 ? start : `(${start}`, '+', {
        COUNT: PAGE,
      })) as Entry[];
      let anchored = false;
      if (page === 0) {
        const [anchor] = entries;
        if (anchor?.id === address.entryId) {
          anchored = true;
          if (withAnchor) yield anchor;
          if (anchor.message.f) return;
          entries.shift();
        } else if (!(acceptLost && (await this.#lostInLane(key, address.entryId)))) {
          throw new UnknownEventError('Unknown or expired event id');
        }
      }
      for (const entry of entries) yield entry;
      const lastEntry = entries.at(-1);
      if (!lastEntry || entries.length < PAGE - (anchored ? 1 : 0)) return;
      start = lastEntry.id;
    }
  }
}
