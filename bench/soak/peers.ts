/**
 * The soak's clients: the real SDKs, as users run them. The SDK v2 client speaks 2026-07-28, the
 * SDK v1 client 2025-11-25 sessions and the deprecated HTTP+SSE transport. Each peer runs one call
 * at a time; what arrived for that call is counted on the wire (see wire-tap.ts).
 */
import {
  LOG_LEVEL_META_KEY,
  Client as ModernClient,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Endpoint } from '../lib/http.js';
import { MODERN_VERSION } from '../lib/wire.js';
import type { CallObservation } from './call-check.js';
import { WireTap } from './wire-tap.js';

export interface CallOptions {
  signal?: AbortSignal;
  /** Each progress the SDK hands on (the cancel lanes abort at the first). */
  onProgress?: () => void;
}

export interface Peer {
  /** Runs `process_items` over `items` fresh items `delayMs` apart, asking for progress and `info` logs. */
  call(items: number, delayMs: number, options?: CallOptions): Promise<CallObservation>;
  /** Ends the session (2025: DELETE) and the client. */
  close(): Promise<void>;
}

/** No soak call takes a second; one that hangs this long fails instead of stalling its lane. */
const CALL_TIMEOUT_MS = 30_000;
const CLIENT_INFO = { name: 'beacon-soak', version: '1.0.0' };

/** `structuredContent.processed` of a call result (v1 types its result as a union without it). */
function processedOf(result: object): number | undefined {
  const structured = 'structuredContent' in result ? result.structuredContent : undefined;
  const processed = (structured as { processed?: unknown } | undefined)?.processed;
  return typeof processed === 'number' ? processed : undefined;
}

type RunCall = (args: { items: string[]; delayMs: number }, options: CallOptions) => Promise<object>;

/** A peer around one client: every call gets items tagged with its own serial number. */
function peerOf(tap: WireTap, run: RunCall, close: () => Promise<void>): Peer {
  let serial = 0;
  return {
    async call(items, delayMs, options = {}) {
      serial += 1;
      const tag = `c${serial}`;
      tap.begin(tag);
      const args = { items: Array.from({ length: items }, (_, i) => `${tag} item ${i + 1}`), delayMs };
      const result = await run(args, options);
      return { progress: tap.progress, infoLogs: tap.infoLogs, processed: processedOf(result) };
    },
    close,
  };
}

/** A 2026-07-28 client: stateless, so one client serves a lane for the whole run. */
export async function modernPeer(endpoint: Endpoint): Promise<Peer> {
  const client = new ModernClient(CLIENT_INFO, { versionNegotiation: { mode: { pin: MODERN_VERSION } } });
  const transport = new StreamableHTTPClientTransport(endpoint.url, {
    requestInit: { headers: endpoint.headers },
  });
  const tap = new WireTap();
  tap.attach(transport);
  await client.connect(transport);
  return peerOf(
    tap,
    (args, options) =>
      client.callTool(
        { name: 'process_items', arguments: args, _meta: { [LOG_LEVEL_META_KEY]: 'info' } },
        { signal: options.signal, timeout: CALL_TIMEOUT_MS, onprogress: () => options.onProgress?.() },
      ),
    () => client.close(),
  );
}

/** A 2025-era client over Streamable HTTP (sessions) or HTTP+SSE, its log level set to `info`. */
async function legacyPeer(transport: LegacyTransport | SSEClientTransport, end: () => Promise<void>) {
  const client = new LegacyClient(CLIENT_INFO);
  const tap = new WireTap();
  tap.attach(transport);
  await client.connect(transport);
  await client.setLoggingLevel('info');
  return peerOf(
    tap,
    (args, options) =>
      client.callTool({ name: 'process_items', arguments: args }, undefined, {
        signal: options.signal,
        timeout: CALL_TIMEOUT_MS,
        onprogress: () => options.onProgress?.(),
      }),
    async () => {
      try {
        await end();
      } finally {
        await client.close();
      }
    },
  );
}

/** A 2025-11-25 session: `initialize`, `logging/setLevel`, calls, then DELETE. */
export function sessionPeer(endpoint: Endpoint): Promise<Peer> {
  const transport = new LegacyTransport(endpoint.url, { requestInit: { headers: endpoint.headers } });
  return legacyPeer(transport, () => transport.terminateSession());
}

/** A 2024-11-05 HTTP+SSE session (`GET /sse` + `POST /messages`); closing the stream ends it. */
export function ssePeer(endpoint: Endpoint): Promise<Peer> {
  const transport = new SSEClientTransport(new URL('/sse', endpoint.url), {
    requestInit: { headers: endpoint.headers },
  });
  return legacyPeer(transport, async () => undefined);
}
