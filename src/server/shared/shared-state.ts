import type { EventId, EventStore, JSONRPCMessage, RequestId, StreamId } from '@modelcontextprotocol/server';
import type { LogLevel } from '../../log-levels.js';

/**
 * What replicas share, behind one interface with two implementations chosen once at start-up:
 * memory (REDIS_URL unset: one process, today's behaviour) and Redis (any number of replicas with
 * the same REDIS_URL behave as one server). Nothing above `server/shared/` knows which it got.
 */
export interface SharedState {
  sessions: SessionDirectory;
  events: EventStores;
  control: ControlBus;
  leases: CallLeases;
  close(): Promise<void>;
}

/** What a replica needs to serve a 2025-era session it did not create. Never a credential. */
export interface SessionRecord {
  /** Which sessionful transport it belongs to. */
  transport: 'streamable-http' | 'http+sse';
  /** A hash of the principal that created it (see `principalHash`): only it may use the session. */
  principal: string;
  /** The client's `initialize` request as it was sent, replayed to rebuild the session elsewhere. */
  initialize?: JSONRPCMessage;
  /** Set by `logging/setLevel`; until then every level is sent. */
  logLevel?: LogLevel;
}

/** 2025-era sessions by id, with MAX_SESSIONS over all of them and a sliding idle expiry. */
export interface SessionDirectory {
  /** Registers a new session; false when MAX_SESSIONS sessions are open already. */
  open(id: string, record: SessionRecord): Promise<boolean>;
  /** The session's record, sliding its idle expiry; undefined when unknown, expired or closed. */
  get(id: string): Promise<SessionRecord | undefined>;
  /** Slides the idle expiry without reading: a session with a call running never idles out. */
  touch(id: string): Promise<void>;
  setLogLevel(id: string, level: LogLevel): Promise<void>;
  /** Ends the session for every replica; resolves true when it was open. */
  close(id: string): Promise<boolean>;
}

/** One session's resumption buffer, as the SDK transports use it, plus a live tail across replicas. */
export interface SessionEventStore extends EventStore {
  getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined>;
  /**
   * Whether this replica is writing `streamId` now (its call runs here): then the SDK's own
   * resumption attaches the client to the live stream, and `tail` is not needed.
   */
  writesLocally(streamId: StreamId): boolean;
  /**
   * Sends every event of the stream after `lastEventId`, then each new one as it is stored, until
   * the stream's final response has been sent or `signal` aborts. Resolves true when the final
   * response was sent. Throws `UnknownEventError` for an id that is unknown or expired.
   */
  tail(
    lastEventId: EventId,
    send: (eventId: EventId, message: JSONRPCMessage) => void,
    signal: AbortSignal,
  ): Promise<boolean>;
  /** Appends a final JSON-RPC response to the stream a request's events went to, if any did. */
  appendFinal(requestId: RequestId, message: JSONRPCMessage): Promise<void>;
  /** Drops the session's events; called when the session ends. */
  clear(): Promise<void>;
}

export interface EventStores {
  /**
   * Whether a store must learn the request ids of every POST (`withRequestIds`), or of batches
   * only. Without them a stream ends at its first response, right for a single request; beyond
   * that the ids serve `appendFinal`, which only a lease expiring on another replica calls.
   */
  readonly needsEveryRequestId: boolean;
  forSession(sessionId: string): SessionEventStore;
}

export class UnknownEventError extends Error {
  override name = 'UnknownEventError';
}

/** Messages every replica receives, this one included. */
export type ControlMessage =
  | { kind: 'set-level'; session: string; level: LogLevel }
  | { kind: 'cancel'; session: string; requestId: RequestId; reason?: string }
  | { kind: 'close'; session: string }
  /** HTTP+SSE: a client message posted to a replica other than the one holding the stream. */
  | { kind: 'sse-message'; session: string; message: JSONRPCMessage };

export interface ControlBus {
  publish(message: ControlMessage): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(handler: (message: ControlMessage) => void): () => void;
}

/** A held lease; renewed by its holder until released. */
export interface CallLease {
  /** Settles once the lease is in the shared store (or could not be stored); never rejects. */
  held: Promise<void>;
  release(): void;
}

/**
 * Which replica runs which call. A lease not renewed within CALL_LEASE_MS means the replica died:
 * another replica then answers the call with a definite error (see `onExpired`).
 */
export interface CallLeases {
  /**
   * Holds the call's lease. Holding one already held here counts another holder: the lease ends
   * when every holder has released it (the POST that opened the call's stream, and the call).
   */
  hold(session: string, requestId: RequestId): CallLease;
  /** Called once, on one replica, for each call whose lease expired. */
  onExpired(handler: (session: string, requestId: RequestId) => Promise<void>): void;
}
