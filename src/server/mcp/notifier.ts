import type { ProgressToken, ServerNotification } from '@modelcontextprotocol/server';
import {
  type Era,
  notificationFirst,
  notificationsDropped,
  notificationsSent,
} from '../observability/metrics.js';
import { LOG_LEVELS, type LogLevel, type Notifier } from '../tools/tool.js';

const SEVERITY = new Map<LogLevel, number>(LOG_LEVELS.map((level, index) => [level, index]));

export interface NotifierOptions {
  era: Era;
  signal: AbortSignal;
  /** From the request's `_meta.progressToken`; without it no progress may be sent. */
  progressToken: ProgressToken | undefined;
  /**
   * The lowest level the client wants, read at each call so a `logging/setLevel` mid-call applies.
   * `null` means no log messages at all (a 2026-07-28 request without a logLevel in `_meta`).
   */
  threshold: () => LogLevel | null;
  send: (notification: ServerNotification) => Promise<void>;
  /** Log messages allowed per second for one call, with an equal burst. */
  logRatePerSecond: number;
  now?: () => number;
}

export interface CountingNotifier extends Notifier {
  /** Notifications actually handed to the stream. */
  readonly sent: number;
  /**
   * Progress reports the tool made, sent or not (after cancellation too): how far the work really
   * got, which is what proves that a cancelled call stopped.
   */
  readonly reported: number;
  /** Whether a progress notification reached the stream: a client may still be handling it. */
  readonly progressSent: boolean;
}

/**
 * The one place that knows each era's notification rules:
 * - progress only with a progressToken, and `progress` strictly increasing (spec: notifications/progress);
 * - log messages at or above the active level only, and for a modern request only when its
 *   `_meta` asked for them (2026-07-28: MUST NOT send notifications/message without it);
 * - log messages rate-limited per call, as the spec asks of servers;
 * - nothing after cancellation.
 * Every notification sent or dropped is counted for metrics.
 */
export function createNotifier(options: NotifierOptions): CountingNotifier {
  const now = options.now ?? performance.now.bind(performance);
  const startedAt = now();
  let sent = 0;
  let reported = 0;
  let progressSent = false;
  let lastProgress = Number.NEGATIVE_INFINITY;
  let tokens = options.logRatePerSecond;
  let refilledAt = startedAt;

  const deliver = async (notification: ServerNotification, type: 'progress' | 'message', level: string) => {
    if (options.signal.aborted) {
      notificationsDropped.inc({ reason: 'cancelled' });
      return;
    }
    try {
      await options.send(notification);
    } catch {
      // The stream went away under us; the abort signal stops the tool, so just count it.
      notificationsDropped.inc({ reason: 'stream_closed' });
      return;
    }
    if (sent === 0) notificationFirst.observe((now() - startedAt) / 1000);
    sent += 1;
    if (type === 'progress') progressSent = true;
    notificationsSent.inc({ type, level, era: options.era });
  };

  const takeLogToken = (): boolean => {
    const at = now();
    tokens = Math.min(
      options.logRatePerSecond,
      tokens + ((at - refilledAt) / 1000) * options.logRatePerSecond,
    );
    refilledAt = at;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };

  return {
    get sent() {
      return sent;
    },
    get reported() {
      return reported;
    },
    get progressSent() {
      return progressSent;
    },
    async progress(done, total, message) {
      reported += 1;
      if (options.progressToken === undefined || done <= lastProgress) return;
      lastProgress = done;
      await deliver(
        {
          method: 'notifications/progress',
          params: { progressToken: options.progressToken, progress: done, total, message },
        },
        'progress',
        '',
      );
    },
    async log(level, data) {
      const threshold = options.threshold();
      if (threshold === null || (SEVERITY.get(level) ?? 0) < (SEVERITY.get(threshold) ?? 0)) {
        notificationsDropped.inc({ reason: 'level_filtered' });
        return;
      }
      if (!takeLogToken()) {
        notificationsDropped.inc({ reason: 'rate_limited' });
        return;
      }
      await deliver({ method: 'notifications/message', params: { level, data } }, 'message', level);
    },
  };
}
