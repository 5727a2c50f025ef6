import http from 'node:http';
import https from 'node:https';
import type { WireRequest } from './wire.js';

/** Where one target answers, and what every request to it carries (credentials, when on). */
export interface Endpoint {
  url: URL;
  headers: Record<string, string>;
  /** Trusted CA for an https endpoint (a proxy's internal CA). */
  ca?: string;
  /** Address to connect to instead of resolving the URL's host (keeps TLS to `localhost` on 127.0.0.1). */
  connectTo?: string;
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
}

/** A DNS lookup that always answers one IPv4 address. */
function pinnedLookup(address: string) {
  return (
    _host: string,
    options: { all?: boolean },
    done: (
      error: Error | null,
      address: string | { address: string; family: number }[],
      family?: number,
    ) => void,
  ) => (options.all ? done(null, [{ address, family: 4 }]) : done(null, address, 4));
}

/** One keep-alive pool per client; unbounded so a concurrency level is never capped by the pool. */
export function newAgent(endpoint: Endpoint): http.Agent {
  const options = { keepAlive: true, maxSockets: Number.POSITIVE_INFINITY };
  return endpoint.url.protocol === 'https:'
    ? new https.Agent({ ...options, ca: endpoint.ca })
    : new http.Agent(options);
}

/** No single request in any scenario should take longer; a hung one fails instead of stalling the run. */
export const REQUEST_TIMEOUT_MS = 60_000;

/**
 * Sends one request and feeds each body chunk to `onChunk` as it arrives, with no decoding;
 * resolves when the body ends. A response that closes before it ends, or takes longer than
 * REQUEST_TIMEOUT_MS, rejects.
 */
export function send(
  endpoint: Endpoint,
  agent: http.Agent,
  request: WireRequest & { method?: string },
  onChunk: (chunk: Buffer) => void = () => undefined,
  signal?: AbortSignal,
): Promise<Answer> {
  const lib = endpoint.url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      endpoint.url,
      {
        method: request.method ?? 'POST',
        agent,
        signal: signal
          ? AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)])
          : AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        ...(endpoint.connectTo ? { lookup: pinnedLookup(endpoint.connectTo) } : {}),
        headers: { ...endpoint.headers, ...request.headers },
      },
      (res) => {
        res.on('data', onChunk);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        res.on('aborted', () => reject(new Error('response aborted')));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

/** Sends one request and collects the whole body as text. */
export async function sendForText(
  endpoint: Endpoint,
  agent: http.Agent,
  request: WireRequest & { method?: string },
): Promise<Answer & { text: string }> {
  const chunks: Buffer[] = [];
  const answer = await send(endpoint, agent, request, (chunk) => chunks.push(chunk));
  return { ...answer, text: Buffer.concat(chunks).toString('utf8') };
}
