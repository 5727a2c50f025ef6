import type { RequestId } from '@modelcontextprotocol/server';
import type { Logger } from '../../observability/logger.js';
import { callLeasesExpired } from '../../observability/metrics.js';
import { RedisScript } from '../event-store/redis-scripts.js';
import type { CallLease, CallLeases } from '../shared-state.js';
import type { SharedConnection } from './connection.js';

type ExpiredHandler = (session: string, requestId: RequestId) => Promise<void>;

/** Scores by Redis's clock, in one round trip: replicas' clocks may disagree. */
const RENEW = new RedisScript(`
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
return redis.call('ZADD', KEYS[1], ms + tonumber(ARGV[1]), ARGV[2])
`);

interface Held {
  holders: number;
  timer: NodeJS.Timeout;
  held: Promise<void>;
  /** The latest renewal: the release goes after it, or a late ZADD would bring the lease back. */
  latest: Promise<void>;
}

/**
 * Call leases in one sorted set: member `[session, requestId]`, score the time the lease runs out
 * (Redis's clock). The holder renews every third of CALL_LEASE_MS; every replica looks for leases
 * past their time, and the one whose ZREM removes a lease answers for it, so each expired call is
 * answered exactly once. Right after (re)connecting, a replica waits one lease period before it
 * judges: holders that were cut off from Redis too need that long to renew.
 */
export class RedisCallLeases implements CallLeases {
  readonly #key: string;
  readonly #handlers: ExpiredHandler[] = [];
  readonly #scanner: NodeJS.Timeout;
  readonly #held = new Map<string, Held>();
  #judgeAfter = 0;

  constructor(
    private readonly connection: SharedConnection,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {
    this.#key = `${connection.keyPrefix}leases`;
    connection.onChange((up) => {
      if (up) this.#judgeAfter = Date.now() + leaseMs;
    });
    this.#judgeAfter = Date.now() + leaseMs;
    this.#scanner = setInterval(() => void this.#scan(), Math.max(200, Math.floor(leaseMs / 4))).unref();
  }

  hold(session: string, requestId: RequestId): CallLease {
    const member = JSON.stringify([session, requestId]);
    const entry = this.#held.get(member) ?? this.#start(member);
    entry.holders += 1;
    let released = false;
    return {
      held: entry.held,
      release: () => {
        if (released) return;
        released = true;
        entry.holders -= 1;
        if (entry.holders === 0) this.#end(member, entry);
      },
    };
  }

  onExpired(handler: ExpiredHandler): void {
    this.#handlers.push(handler);
  }

  stop(): void {
    clearInterval(this.#scanner);
  }

  #start(member: string): Held {
    const renew = () =>
      this.connection
        .run('zadd', (client) => RENEW.run(client, [this.#key], [String(this.leaseMs), member]))
        .then(
          () => undefined,
          (error: Error) => this.logger.debug({ err: error.message }, 'call lease not renewed'),
        );
    const held = renew();
    const entry: Held = {
      holders: 0,
      held,
      latest: held,
      timer: setInterval(
        () => {
          entry.latest = renew();
        },
        Math.max(100, Math.floor(this.leaseMs / 3)),
      ).unref(),
    };
    this.#held.set(member, entry);
    return entry;
  }

  #end(member: string, entry: Held): void {
    clearInterval(entry.timer);
    this.#held.delete(member);
    void entry.latest.then(() =>
      this.connection
        .run('zrem', (client) => client.zRem(this.#key, member))
        .catch((error: Error) => this.logger.debug({ err: error.message }, 'call lease not released')),
    );
  }

  async #now(): Promise<number> {
    const [seconds, micros] = await this.connection.run('other', (client) => client.time());
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  async #scan(): Promise<void> {
    if (!this.connection.up || Date.now() < this.#judgeAfter || this.#handlers.length === 0) return;
    try {
      const now = await this.#now();
      const expired = await this.connection.run('zrangebyscore', (client) =>
        client.zRangeByScore(this.#key, '-inf', now, { LIMIT: { offset: 0, count: 20 } }),
      );
      for (const member of expired) {
        const claimed = await this.connection.run('zrem', (client) => client.zRem(this.#key, member));
        if (claimed !== 1) continue;
        const [session, requestId] = JSON.parse(member) as [string, RequestId];
        callLeasesExpired.inc();
        await Promise.all(this.#handlers.map((handler) => handler(session, requestId)));
      }
    } catch (error) {
      this.logger.debug({ err: (error as Error).message }, 'call lease scan skipped');
    }
  }
}
