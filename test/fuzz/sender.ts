/**
 * Sends one fuzz request and reads its answer within the deadline, never throwing: a timeout, a
 * hang-up or a reset is an outcome to judge, not an error. Well-framed requests go through
 * node:http on a keep-alive agent; raw ones are written byte for byte to a fresh socket.
 */
import http from 'node:http';
import net from 'node:net';
import type { Headers, HttpRequestCase } from './fuzz-case.js';
import { CASE_DEADLINE_MS, type FuzzResponse } from './invariants.js';
import { parseRawResponse } from './raw-response.js';

/** How long a stream that may rightly stay open (GET /sse) is awaited for its first bytes. */
const STREAM_PEEK_MS = 50;

export type HttpRequest = Omit<HttpRequestCase, 'transport'>;

/** Repeated names become one array, as node:http sends them: one header line each. */
function headerObject(headers: Headers): Record<string, string | string[]> {
  // A Map, since fuzzed header names include `constructor` and `__proto__`.
  const grouped = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    const seen = grouped.get(key);
    if (seen) seen.values.push(value);
    else grouped.set(key, { name, values: [value] });
  }
  return Object.fromEntries(
    [...grouped.values()].map(({ name, values }) => [name, values.length === 1 ? values[0] : values]),
  ) as Record<string, string | string[]>;
}

function once(
  agent: http.Agent,
  port: number,
  request: HttpRequest,
): Promise<FuzzResponse & { retry?: boolean }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let status: FuzzResponse['status'] = 'closed';
    let headers: FuzzResponse['headers'] = {};
    let settled = false;
    const finish = (extra: { status?: FuzzResponse['status']; retry?: boolean; error?: string } = {}) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve({
        status: extra.status ?? status,
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
        elapsedMs: performance.now() - started,
        retry: extra.retry,
        ...(extra.error && { error: extra.error }),
      });
    };
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: request.method,
        path: request.path,
        // Framed by length always: node:http would send a GET's body unframed, as the next request.
        headers: {
          ...headerObject(request.headers),
          ...(request.body && { 'Content-Length': String(request.body.length) }),
        },
        agent,
      },
      (res) => {
        status = res.statusCode ?? 0;
        headers = res.headers;
        const stream = String(res.headers['content-type'] ?? '').includes('text/event-stream');
        const peek = request.read === 'head' && stream;
        // A stream that may rightly stay open is read until its first bytes (or a moment), then left.
        const leave = () => {
          finish();
          req.destroy();
        };
        if (peek) setTimeout(leave, STREAM_PEEK_MS);
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (peek) leave();
        });
        res.on('end', () => finish());
        res.on('close', () => finish());
      },
    );
    const deadline = setTimeout(() => {
      finish({ status: 'timeout' });
      req.destroy();
    }, CASE_DEADLINE_MS);
    req.on('error', (error: NodeJS.ErrnoException) => {
      // A kept-alive socket the server closed just before this request went out: send it again.
      finish({
        retry: req.reusedSocket && error.code === 'ECONNRESET' && status === 'closed',
        error: error.code ?? error.message,
      });
    });
    req.end(request.body);
  });
}

export async function sendHttp(agent: http.Agent, port: number, request: HttpRequest): Promise<FuzzResponse> {
  const first = await once(agent, port, request);
  const { retry: _, ...response } = first.retry ? await once(agent, port, request) : first;
  return response;
}

/** Writes the bytes, half-closes (the client has said all it will), and reads one response. */
export function sendRaw(port: number, bytes: Buffer): Promise<FuzzResponse> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let settled = false;
    const finish = (timedOut: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      socket.destroy();
      const parsed = parseRawResponse(Buffer.concat(received));
      resolve({
        status: timedOut && !parsed?.complete ? 'timeout' : (parsed?.status ?? 'closed'),
        headers: parsed?.headers ?? {},
        body: parsed?.body.toString('utf8') ?? '',
        elapsedMs: performance.now() - started,
      });
    };
    const deadline = setTimeout(() => finish(true), CASE_DEADLINE_MS);
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      if (parseRawResponse(Buffer.concat(received))?.complete) finish(false);
    });
    socket.on('close', () => finish(false));
    socket.on('error', () => finish(false));
    socket.end(bytes);
  });
}
