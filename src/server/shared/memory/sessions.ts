import type { LogLevel } from '../../../log-levels.js';
import type { ControlBus, SessionDirectory, SessionRecord } from '../shared-state.js';

interface Entry {
  record: SessionRecord;
  lastSeen: number;
}

export interface MemorySessionsOptions {
  /** MAX_SESSIONS over every sessionful transport. */
  maxSessions: number;
  /** SESSION_IDLE_TIMEOUT_MS: a session not seen for this long is gone. */
  idleTimeoutMs: number;
  /** Told when a session expires, so the local copy closes as it would on DELETE. */
  control: ControlBus;
  now?: () => number;
}

/**
 * The session directory of one process. Expiry slides on every `get` and `touch`, as Redis keys'
 * TTLs do in the shared mode, and an expired session frees its MAX_SESSIONS place.
 */
export class MemorySessionDirectory implements SessionDirectory {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(private readonly options: MemorySessionsOptions) {
    this.#now = options.now ?? Date.now;
    const every = Math.max(250, Math.min(options.idleTimeoutMs / 2, 60_000));
    this.#sweeper = setInterval(() => this.sweep(), every).unref();
  }

  async open(id: string, record: SessionRecord): Promise<boolean> {
    this.sweep();
    if (this.#entries.size >= this.options.maxSessions) return false;
    this.#entries.set(id, { record, lastSeen: this.#now() });
    return true;
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const entry = this.#live(id);
    if (entry) entry.lastSeen = this.#now();
    return entry?.record;
  }

  async touch(id: string): Promise<void> {
    const entry = this.#live(id);
    if (entry) entry.lastSeen = this.#now();
  }

  async setLogLevel(id: string, level: LogLevel): Promise<void> {
    const entry = this.#live(id);
    if (entry) entry.record = { ...entry.record, logLevel: level };
  }

  async close(id: string): Promise<boolean> {
    return this.#entries.delete(id);
  }

  /** Ends sessions idle longer than the timeout; their ids then get 404. */
  sweep(): void {
    const cutoff = this.#now() - this.options.idleTimeoutMs;
    for (const [id, entry] of this.#entries) {
      if (entry.lastSeen >= cutoff) continue;
      this.#entries.delete(id);
      void this.options.control.publish({ kind: 'close', session: id });
    }
  }

  stop(): void {
    clearInterval(this.#sweeper);
  }

  #live(id: string): Entry | undefined {
    const entry = this.#entries.get(id);
    if (entry && entry.lastSeen < this.#now() - this.options.idleTimeoutMs) {
      this.#entries.delete(id);
      void this.options.control.publish({ kind: 'close', session: id });
      return undefined;
    }
    return entry;
  }
}
