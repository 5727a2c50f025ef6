/**
 * A 2025-era call whose stream is dropped mid-call and resumed with GET + `Last-Event-ID`, by hand
 * over HTTP: the SDK clients resume on their own and would hide a lost event.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { legacyHeaders, openLegacySession, post } from '../../test/helpers/raw-mcp.js';
import { readSse } from '../../test/helpers/sse.js';
import type { Endpoint } from '../lib/http.js';
import { itemsOf } from '../lib/wire.js';
import { type Problem, resumeProblem, type StreamedMessage } from './call-check.js';

const CALL_ID = 2;
/** Progress notifications read before the connection is dropped. */
const DROP_AFTER = 2;
/** No stream in this check should stay open longer; a hung one fails the check. */
const STREAM_TIMEOUT_MS = 30_000;

function parsed(data: string): StreamedMessage['message'] | undefined {
  return data === '' ? undefined : (JSON.parse(data) as StreamedMessage['message']);
}

/** What one SSE response delivered before `stop` said so or the stream ended. */
interface Heard {
  messages: StreamedMessage[];
  /** The `retry:` the server announced (the priming event carries it), in ms. */
  retryMs: number | undefined;
}

async function readUntil(
  body: ReadableStream<Uint8Array>,
  stop: (message: StreamedMessage['message']) => boolean,
): Promise<Heard> {
  const heard: Heard = { messages: [], retryMs: undefined };
  for await (const event of readSse(body)) {
    if (event.retry !== undefined) heard.retryMs = event.retry;
    const message = parsed(event.data);
    if (!message) continue; // the priming event (an id and empty data)
    heard.messages.push({ eventId: event.id, message });
    if (stop(message)) break;
  }
  return heard;
}

/**
 * Opens a session, starts a call of `items` items `delayMs` apart, drops the connection after
 * DROP_AFTER progress notifications, waits the `retry:` the server announced (as the SDK clients
 * do; the call goes on unheard meanwhile), resumes after the last event id it saw, and checks the
 * whole. Throws on an unexpected HTTP status.
 *
 * Resuming sooner than `retry:` can meet 409: until the server notices the dropped connection, the
 * stream still has one (the SDK transport's rule), and on a loaded machine that takes a while.
 */
export async function dropAndResume(
  endpoint: Endpoint,
  items: number,
  delayMs: number,
): Promise<Problem | undefined> {
  const url = endpoint.url.href;
  const sessionId = await openLegacySession(url, endpoint.headers);
  const headers = { ...endpoint.headers, ...legacyHeaders(sessionId) };
  const end = async () => {
    const res = await fetch(url, {
      method: 'DELETE',
      headers,
      signal: AbortSignal.timeout(STREAM_TIMEOUT_MS),
    });
    await res.body?.cancel();
    return res.status;
  };
  let problem: Problem | undefined;
  try {
    const level = await post(
      url,
      { jsonrpc: '2.0', id: 1, method: 'logging/setLevel', params: { level: 'info' } },
      headers,
      AbortSignal.timeout(STREAM_TIMEOUT_MS),
    );
    await level.body?.cancel();
    if (level.status !== 200) throw new Error(`logging/setLevel answered ${level.status}`);
    problem = await dropMidCall(url, headers, items, delayMs);
  } catch (error) {
    await end().catch(() => undefined);
    throw error;
  }
  const status = await end();
  if (status !== 200) throw new Error(`DELETE answered ${status}`);
  return problem;
}

async function dropMidCall(
  url: string,
  headers: Record<string, string>,
  items: number,
  delayMs: number,
): Promise<Problem | undefined> {
  const drop = new AbortController();
  const call = {
    jsonrpc: '2.0',
    id: CALL_ID,
    method: 'tools/call',
    params: {
      name: 'process_items',
      arguments: { items: itemsOf(items), delayMs },
      _meta: { progressToken: 'soak' },
    },
  };
  const res = await post(
    url,
    call,
    headers,
    AbortSignal.any([drop.signal, AbortSignal.timeout(STREAM_TIMEOUT_MS)]),
  );
  if (res.status !== 200 || !res.headers.get('content-type')?.includes('text/event-stream')) {
    await res.body?.cancel();
    throw new Error(`tools/call answered ${res.status} ${res.headers.get('content-type')}`);
  }
  let progress = 0;
  const { messages: before, retryMs } = await readUntil(res.body as ReadableStream<Uint8Array>, (m) => {
    if (m.method === 'notifications/progress') progress += 1;
    return progress === DROP_AFTER || m.id === CALL_ID;
  });
  // Drop the connection the way a flaky network would; in 2025 that does not cancel the call.
  drop.abort();
  if (progress < DROP_AFTER) {
    return { kind: 'notification', message: `only ${progress} progress before the stream ended` };
  }
  const lastId = before.at(-1)?.eventId;
  if (lastId === undefined) return { kind: 'resume', message: 'no event id to resume from' };
  if (retryMs === undefined) return { kind: 'resume', message: 'no retry: before the drop' };
  await sleep(retryMs);
  const resumed = await fetch(url, {
    headers: { ...headers, Accept: 'text/event-stream', 'Last-Event-ID': lastId },
    signal: AbortSignal.timeout(STREAM_TIMEOUT_MS),
  });
  if (resumed.status !== 200) {
    await resumed.body?.cancel();
    return { kind: 'resume', message: `GET with Last-Event-ID answered ${resumed.status}` };
  }
  const { messages: after } = await readUntil(
    resumed.body as ReadableStream<Uint8Array>,
    (m) => m.id === CALL_ID,
  );
  await resumed.body?.cancel().catch(() => undefined);
  return resumeProblem(items, CALL_ID, before, after);
}
