import type { ErrorKind } from './tally.js';

/** What one tool call delivered to its client. */
export interface CallObservation {
  /** Progress values in the order they arrived. */
  progress: number[];
  /** `info` log messages heard during the call (one per item is expected). */
  infoLogs: number;
  /** `structuredContent.processed` of the result; undefined when the result had none. */
  processed: number | undefined;
}

export interface Problem {
  kind: ErrorKind;
  message: string;
}

/**
 * Checks a finished `process_items` call over `items` non-empty items: the result counts every
 * item, and every item produced exactly one progress (1, 2, … n, in order) and one `info` log.
 */
export function callProblem(items: number, seen: CallObservation): Problem | undefined {
  if (seen.processed !== items) {
    return {
      kind: 'result',
      message:
        seen.processed === undefined
          ? 'result without structuredContent.processed'
          : `result counts ${seen.processed} processed items of ${items}`,
    };
  }
  const inOrder = seen.progress.length === items && seen.progress.every((p, i) => p === i + 1);
  if (!inOrder) {
    return { kind: 'notification', message: `progress [${seen.progress.join(',')}] for ${items} items` };
  }
  if (seen.infoLogs !== items) {
    return { kind: 'notification', message: `${seen.infoLogs} info logs for ${items} items` };
  }
  return undefined;
}

/** One server-sent event's JSON-RPC message, with the event id it came under. */
export interface StreamedMessage {
  eventId: string | undefined;
  message: { id?: unknown; method?: string; params?: unknown; result?: unknown };
}

/**
 * Checks a 2025 call whose stream was dropped and resumed with `Last-Event-ID`: the messages
 * before the drop and those replayed after it, together, must hold every progress exactly once in
 * order, one `info` log per item, no event id twice, and end with the call's full result.
 */
export function resumeProblem(
  items: number,
  callId: number,
  before: readonly StreamedMessage[],
  after: readonly StreamedMessage[],
): Problem | undefined {
  const all = [...before, ...after];
  const ids = all.map((m) => m.eventId).filter((id) => id !== undefined);
  if (new Set(ids).size !== ids.length) return { kind: 'resume', message: 'an event id came twice' };
  const progress = all
    .filter((m) => m.message.method === 'notifications/progress')
    .map((m) => (m.message.params as { progress?: number }).progress);
  if (progress.length !== items || !progress.every((p, i) => p === i + 1)) {
    return {
      kind: 'resume',
      message: `progress [${progress.join(',')}] across the drop, for ${items} items`,
    };
  }
  const infos = all.filter(
    (m) =>
      m.message.method === 'notifications/message' &&
      (m.message.params as { level?: string }).level === 'info',
  ).length;
  if (infos !== items)
    return { kind: 'resume', message: `${infos} info logs across the drop, for ${items} items` };
  const last = all.at(-1)?.message;
  const processed = (last?.result as { structuredContent?: { processed?: number } } | undefined)
    ?.structuredContent?.processed;
  if (last?.id !== callId || processed !== items) {
    return { kind: 'resume', message: 'the resumed stream did not end with the full result' };
  }
  return undefined;
}
