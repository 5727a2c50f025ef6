import type { SessionKeys } from './redis-keys.js';
import type { LaneWriter } from './redis-lane.js';
import { appendEntries, endLane, type ScriptClient } from './redis-scripts.js';
import type { WriteWindow } from './redis-write-window.js';
import { requestKey } from './stream-end.js';

/** One event as the outbox sends it. */
export interface OutgoingEntry {
  id: string;
  json: string;
  /** The request id JSON when the event is a response, else ''. */
  requestKey: string;
  /** `<ended at ms> <events> <bytes>` when it is the stream's last response, else ''. */
  ended: string;
}

/** One lane's entries of this event-loop turn. */
interface LaneBatch {
  lane: LaneWriter;
  /** id, message, request key, last flag: four per entry, as the script reads them. */
  args: string[];
  events: number;
  cut: string;
  refresh: boolean;
  register: boolean;
  ended: string;
}

/** Past this many entries a lane's batch is sent at once, so a burst is never held whole. */
const MAX_BATCH = 256;

/**
 * How long a batch gathers entries before it is sent. `process_items` yields a turn of the event
 * loop after each item, so a batch of one turn holds one item's events: a command per item. Over
 * a millisecond a fast stream gathers several items; nothing waits for the write, and a client
 * resuming elsewhere sees the events at most that much later.
 */
const GATHER_MS = 1;

/**
 * A session's writes, batched: the events stored within `GATHER_MS` go to Redis as one script
 * call per lane, instead of one command each. A node-redis command costs the client far more than
 * Redis (a timer per command, a promise), so a stream of notifications costs a few commands. The
 * session's other commands wait for `settled()` first, so they see every event stored before them.
 */
export class SessionOutbox {
  readonly #batches = new Map<LaneWriter, LaneBatch>();
  #timer: NodeJS.Timeout | undefined;
  /** Settles when every write sent so far has been answered. */
  #last: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: ScriptClient,
    private readonly keys: SessionKeys,
    private readonly window: WriteWindow,
    /** Lane key prefix, maxEvents, maxBytes, ttl ms. */
    private readonly bounds: readonly string[],
  ) {}

  /** Buffers an entry of `lane`; `cut` is the oldest entry id to keep, `refresh` renews the expiry. */
  append(lane: LaneWriter, entry: OutgoingEntry, cut: string | undefined, refresh: boolean): void {
    let batch = this.#batches.get(lane);
    if (!batch) {
      batch = { lane, args: [], events: 0, cut: '', refresh: false, register: false, ended: '' };
      this.#batches.set(lane, batch);
    }
    batch.args.push(entry.id, entry.json, entry.requestKey, entry.ended === '' ? '' : '1');
    batch.events += 1;
    if (cut) batch.cut = cut;
    batch.refresh ||= refresh;
    if (!lane.registered) {
      lane.registered = true;
      batch.register = true;
    }
    if (entry.ended !== '') batch.ended = entry.ended;
    this.window.reserve();
    if (batch.events >= MAX_BATCH) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), GATHER_MS);
  }

  /** Sends every buffered batch now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const batch of this.#batches.values()) this.#sendBatch(batch);
    this.#batches.clear();
  }

  /** Resolves when everything stored so far has been answered by Redis. */
  settled(): Promise<void> {
    this.flush();
    return this.#last;
  }

  #sendBatch({ lane, args, events, cut, refresh, register, ended }: LaneBatch): void {
    const write =
      this.#plain(lane, args, events, cut, refresh, register) ??
      this.#script(lane, args, cut, refresh, register);
    this.#track(write, events);
    if (ended !== '') {
      // Once the lane's entries are in (or refused): settling before would count the lane open.
      const [lanePrefix = '', maxEvents = '', maxBytes = '', ttl = ''] = this.bounds;
      const end = () =>
        endLane.run(
          this.client,
          [this.keys.meta, this.keys.ended],
          [lane.lane, ended, lanePrefix, maxEvents, maxBytes, ttl],
        );
      this.#track(
        write.then(end, end).then(() => ({ failed: 0 })),
        0,
      );
    }
  }

  #track(write: Promise<{ failed: number; error?: unknown }>, events: number): void {
    this.#last = Promise.all([this.#last, this.window.track(write, events)]).then(() => undefined);
  }

  /**
   * A lone entry with nothing else to do (not a stream's first, nor its last, which renews the
   * expiry) is a plain XADD: cheaper for Redis than a script call. Only once the script is loaded,
   * so it cannot overtake script calls still waiting for the load.
   */
  #plain(lane: LaneWriter, args: string[], events: number, cut: string, refresh: boolean, register: boolean) {
    if (events !== 1 || refresh || register || !appendEntries.loadedFor(this.client)) return undefined;
    const [id = '', json = '', request = ''] = args;
    const command = ['XADD', lane.key, ...(cut ? ['MINID', cut] : []), id, 'm', json];
    if (request !== '') command.push('r', request);
    return this.client.sendCommand(command).then(() => ({ failed: 0 }));
  }

  #script(lane: LaneWriter, args: string[], cut: string, refresh: boolean, register: boolean) {
    const requests = register ? (lane.end.requestIds ?? []).map(requestKey).join('\n') : '';
    const [, , , ttl = ''] = this.bounds;
    return appendEntries
      .runInOrder(
        this.client,
        [lane.key, this.keys.meta, this.keys.ended],
        [lane.lane, cut, refresh ? '1' : '', register ? '1' : '', requests, ttl, ...args],
      )
      .then((reply) => {
        const [failed = 0, error = ''] = reply as [number, string];
        // Only for a refusal: an Error captures a stack, a cost on every batch otherwise.
        return failed > 0 ? { failed, error: new Error(error) } : { failed };
      });
  }
}
