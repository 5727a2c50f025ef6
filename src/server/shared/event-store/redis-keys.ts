import type { EventId, StreamId } from '@modelcontextprotocol/server';

/**
 * Where one session's events live in Redis. Every key carries the session id as its hash tag, so
 * a session's keys share one cluster slot and a script may touch them all:
 *
 *   {prefix}{{session}}:ev:meta      hash: `l:<lane>` → `open` | `<ended at ms> <events> <bytes>`,
 *                                    `r:<request id as JSON>` → the lane answering that request,
 *                                    `q:<lane>` → the request id JSONs it answers (one per line),
 *                                    `t` → `<events> <bytes>` of the ended lanes together
 *   {prefix}{{session}}:ev:ended     list: ended lanes, oldest first (the order they are dropped in)
 *   {prefix}{{session}}:ev:<lane>    stream: one per SDK stream and writer, entries
 *                                    `m` message JSON, `r` request id JSON (responses only),
 *                                    `f` = 1 on the stream's last response
 *
 * A lane is `<writer>.<stream id>`: one writer (a store instance, so one replica) appends to it, so
 * the writer can choose its entry ids itself and never wait for Redis to name them.
 */
export class SessionKeys {
  readonly meta: string;
  readonly ended: string;
  readonly lanePrefix: string;

  constructor(prefix: string, sessionId: string) {
    // A brace would move the hash tag; Beacon's session ids are UUIDs.
    if (/[{}]/.test(sessionId)) throw new Error('A session id in a Redis key must not contain { or }');
    this.lanePrefix = `${prefix}{${sessionId}}:ev:`;
    this.meta = `${this.lanePrefix}meta`;
    // Neither name can be a lane's: lane names contain a dot.
    this.ended = `${this.lanePrefix}ended`;
  }

  lane(lane: string): string {
    return this.lanePrefix + lane;
  }
}

/** What an event id says: the Redis entry, the lane it is in, and the SDK stream it belongs to. */
export interface EventAddress {
  entryId: string;
  lane: string;
  streamId: StreamId;
}

export const laneName = (writer: string, streamId: StreamId): string => `${writer}.${streamId}`;

/** `<entry id>.<writer>.<stream id>`: unique within the session and naming its stream. */
export const formatEventId = (entryId: string, lane: string): EventId => `${entryId}.${lane}`;

// Ids come back from clients in Last-Event-ID: only this shape is looked up, and only under the
// session's own keys.
const EVENT_ID = /^(\d{1,20}-\d{1,20})\.(([0-9a-f]{12})\.([\x21-\x7e]{1,200}))$/;

export function parseEventId(eventId: EventId): EventAddress | undefined {
  const match = EVENT_ID.exec(eventId);
  if (!match) return undefined;
  const [, entryId = '', lane = '', , streamId = ''] = match;
  return { entryId, lane, streamId };
}

/** Orders two stream entry ids (`<ms>-<seq>`), as Redis does. */
export function compareEntryIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}
