import type { ServerResponse } from 'node:http';
import { type StreamKind, streamsOpen } from './metrics.js';

const TRACKED = Symbol('beacon.sseStream');
const PLACE = Symbol('beacon.streamPlace');
type Trackable = ServerResponse & { [TRACKED]?: StreamKind; [PLACE]?: () => void };

/**
 * Open SSE streams plus responses admitted to become one that have not written their headers yet:
 * what MAX_STREAMS caps. A plain number beside the `beacon_streams_open` gauge (whose value
 * prom-client only gives asynchronously), counted at the same places, once per process like it.
 */
let streamPlaces = 0;

export function streamPlacesHeld(): number {
  return streamPlaces;
}

/**
 * Holds a stream place for a response until it closes, or until its headers show it is not a
 * stream after all. Idempotent per response, so a place taken at admission is not taken again
 * when the stream opens.
 */
export function holdStreamPlace(res: ServerResponse): void {
  const trackable = res as Trackable;
  if (trackable[PLACE] || res.destroyed) return;
  streamPlaces += 1;
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    streamPlaces -= 1;
  };
  trackable[PLACE] = release;
  res.once('close', release);
}

/**
 * Counts an open SSE stream in `beacon_streams_open{kind}` until the response closes. Idempotent
 * per response. `/mcp` streams are found by `watchSseStreams` without any call; another SSE route
 * (the 2024-11-05 `/sse`) calls this with its kind when it opens its stream.
 */
export function trackSseStream(res: ServerResponse, kind: StreamKind): void {
  const trackable = res as Trackable;
  if (trackable[TRACKED] || res.destroyed) return;
  trackable[TRACKED] = kind;
  holdStreamPlace(res);
  streamsOpen.inc({ kind });
  res.once('close', () => streamsOpen.dec({ kind }));
}

/** The content type among `writeHead`'s header argument: an object or a flat/paired array. */
export function contentTypeIn(headers: unknown): string | undefined {
  if (Array.isArray(headers)) {
    const pairs: unknown[][] = Array.isArray(headers[0])
      ? (headers as unknown[][])
      : Array.from({ length: Math.floor(headers.length / 2) }, (_, i) => headers.slice(2 * i, 2 * i + 2));
    const found = pairs.find(([name]) => String(name).toLowerCase() === 'content-type');
    return found ? String(found[1]) : undefined;
  }
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'content-type') return String(value);
  }
  return undefined;
}

export function isEventStream(contentType: unknown): boolean {
  return typeof contentType === 'string' && /^\s*text\/event-stream\b/i.test(contentType);
}

/**
 * On the `/mcp` endpoint a POST answered with a stream is that request's stream and a GET opens
 * the session's standalone stream. SSE on other routes is theirs to count with `trackSseStream`.
 */
export function streamKindOf(method: string | undefined, route: string): StreamKind | undefined {
  if (route !== '/mcp') return undefined;
  if (method === 'POST') return 'post';
  return method === 'GET' ? 'standalone' : undefined;
}

/**
 * Watches one response for SSE: the SDK transports write their headers in one `writeHead` call
 * (and `write` without it goes through `writeHead` too), so that is where the content type is
 * final. A response that turns out not to be a stream gives back any stream place it held. The
 * wrapper only looks; it changes nothing the transport sends.
 */
export function watchSseStreams(res: ServerResponse, kindOf: () => StreamKind | undefined): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const result = (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
    const headersArg = typeof args[1] === 'string' ? args[2] : args[1];
    if (isEventStream(contentTypeIn(headersArg) ?? this.getHeader('content-type'))) {
      const kind = kindOf();
      if (kind) trackSseStream(this, kind);
    } else {
      (this as Trackable)[PLACE]?.();
    }
    return result;
  } as typeof res.writeHead;
}
