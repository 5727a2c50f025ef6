import type { RedisClientType } from 'redis';
import { compareEntryIds } from './redis-keys.js';

/** The dedicated connection the tailer blocks on; the store destroys it on close. */
export type BlockingRedis = Pick<RedisClientType, 'xRead' | 'destroy'>;
/** The ordinary connection, used to wake the blocked read. */
export type WakingRedis = Pick<RedisClientType, 'xAdd' | 'pExpire'>;

/** Handles one new entry of a followed stream; returns true when it was the last one wanted. */
export type EntryHandler = (entryId: string, fields: Record<string, string>) => boolean;

interface Follower {
  key: string;
  /** The last entry this follower has seen: it reads strictly after it. */
  cursor: string;
  onEntry: EntryHandler;
  finish(ended: boolean): void;
  fail(error: unknown): void;
}

interface StreamsReply {
  name: string;
  messages: { id: string; message: Record<string, string> }[];
}

/**
 * Follows any number of Redis streams for one process with one blocking `XREAD` on one dedicated
 * connection. Each follower reads from its own cursor, so an entry added while it was replaying is
 * read, not missed, and nothing is read twice.
 *
 * A follower added while the read blocks must not wait for the block timeout: the read also
 * watches a wake stream of this process, and a new follower appends to it. Unlike `CLIENT
 * UNBLOCK`, this cannot race with a read that has been sent but has not reached Redis yet: the
 * read asks for wake entries after the last one seen, so a wake written first still wakes it.
 *
 * With Redis Cluster the keys of one `XREAD` must share a slot: this reads every followed stream
 * in one command, so it needs a single Redis (or one read per slot, which it does not do).
 */
export class StreamTailer {
  readonly #followers = new Set<Follower>();
  /** What the read in flight asks for, so a follower it already covers needs no wake. */
  #reading = new Map<string, string>();
  #connection: Promise<BlockingRedis> | undefined;
  #running = false;
  #closed = false;
  #wakeCursor = '0-0';

  constructor(
    private readonly waking: WakingRedis,
    private readonly openBlocking: () => Promise<BlockingRedis>,
    private readonly wakeKey: string,
    private readonly blockMs: number,
  ) {}

  get following(): number {
    return this.#followers.size;
  }

  /**
   * Calls `onEntry` for each entry of `key` after `cursor` until it returns true (resolves true),
   * `signal` aborts or `end` is called for it (resolves false); rejects when the read fails.
   */
  follow(key: string, cursor: string, onEntry: EntryHandler, signal: AbortSignal): Promise<boolean> {
    if (this.#closed || signal.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve, reject) => {
      const leave = () => {
        this.#followers.delete(follower);
        signal.removeEventListener('abort', onAbort);
      };
      const follower: Follower = {
        key,
        cursor,
        onEntry,
        finish: (ended) => {
          leave();
          resolve(ended);
        },
        fail: (error) => {
          leave();
          reject(error);
        },
      };
      const onAbort = () => follower.finish(false);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#followers.add(follower);
      if (!this.#running) {
        void this.#run();
      } else {
        const reading = this.#reading.get(key);
        if (reading === undefined || compareEntryIds(reading, cursor) > 0) this.#wake();
      }
    });
  }

  /** Ends every follower whose key starts with `prefix` (resolving false). */
  end(prefix: string): void {
    for (const follower of [...this.#followers]) {
      if (follower.key.startsWith(prefix)) follower.finish(false);
    }
  }

  /** Ends every follower and drops the blocking connection. */
  async close(): Promise<void> {
    this.#closed = true;
    this.end('');
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection) (await connection.catch(() => undefined))?.destroy();
  }

  #wake(): void {
    // Best effort: if it fails, the read still returns within blockMs and picks the follower up.
    this.waking
      .xAdd(this.wakeKey, '*', { w: '1' }, { TRIM: { strategy: 'MAXLEN', threshold: 1 } })
      .then(() => this.waking.pExpire(this.wakeKey, Math.max(60_000, this.blockMs * 2)))
      .catch(() => undefined);
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#followers.size > 0 && !this.#closed) {
        this.#connection ??= this.openBlocking();
        const connection = await this.#connection;
        this.#reading = this.#cursors();
        const streams = [{ key: this.wakeKey, id: this.#wakeCursor }];
        for (const [key, id] of this.#reading) streams.push({ key, id });
        // node-redis types this reply loosely; with either protocol it has this shape.
        const reply = (await connection.xRead(streams, {
          BLOCK: this.blockMs,
          COUNT: 1000,
        })) as unknown as StreamsReply[] | null;
        for (const stream of reply ?? []) this.#dispatch(stream);
      }
    } catch (error) {
      // The followers' clients resume again later, on a fresh connection.
      const broken = this.#connection;
      this.#connection = undefined;
      void broken?.then(
        (connection) => connection.destroy(),
        () => undefined,
      );
      for (const follower of [...this.#followers]) follower.fail(error);
    } finally {
      this.#running = false;
      this.#reading = new Map();
    }
  }

  /** Per followed key, the earliest cursor among its followers. */
  #cursors(): Map<string, string> {
    const cursors = new Map<string, string>();
    for (const { key, cursor } of this.#followers) {
      const current = cursors.get(key);
      if (current === undefined || compareEntryIds(cursor, current) < 0) cursors.set(key, cursor);
    }
    return cursors;
  }

  #dispatch({ name, messages }: StreamsReply): void {
    if (name === this.wakeKey) {
      this.#wakeCursor = messages.at(-1)?.id ?? this.#wakeCursor;
      return;
    }
    for (const follower of [...this.#followers]) {
      if (follower.key !== name) continue;
      for (const { id, message } of messages) {
        if (compareEntryIds(id, follower.cursor) <= 0) continue;
        follower.cursor = id;
        try {
          if (follower.onEntry(id, message)) {
            follower.finish(true);
            break;
          }
        } catch (error) {
          follower.fail(error);
          break;
        }
      }
    }
  }
}
