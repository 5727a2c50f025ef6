import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CallToolResult, type FetchLike, SdkErrorCode } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { type Connection, connect, RECONNECTION } from '../../src/client/connect.js';
import { fetchTrustingCa } from '../../src/client/tls-fetch.js';
import { callToolWatchingStream } from '../../src/client/watched-call.js';

/**
 * Continuous load against a deployed Beacon (the replicated stack behind Caddy), from real SDK
 * clients of both eras, recording every call's outcome so a test can assert on the counts:
 * - 2026-07-28 loops: stateless calls through `beacon call`'s own connection code;
 * - 2025-11-25 sessions: each client keeps ONE session for the whole run (no re-initialise), and
 *   resumes dropped streams the SDK's way (priming event ids, then GET with Last-Event-ID);
 * - optionally one SDK v1 client session, the other 2025-era implementation.
 */

export interface LoadTarget {
  url: string;
  /** Caddy's root CA, the only extra certificate the clients trust. */
  caPem: string;
  apiKey: string;
}

export interface LoadShape {
  modernLoops: number;
  sessions: number;
  v1Session?: boolean;
  items?: number;
  delayMs?: number;
  /** Each call gives up after this long, so a hang shows up as a failed call that says so. */
  callTimeoutMs: number;
}

export type ClientKind = '2026-07-28' | '2025-11-25' | '2025-11-25 (SDK v1)';

export interface CallRecord {
  client: string;
  kind: ClientKind;
  /** performance.now() at the call's start and end. */
  startedAt: number;
  endedAt: number;
  /** Absent when the result arrived, counting every item, after a progress for every item. */
  error?: string;
  /** The client timed out waiting: nothing ever answered the call. */
  hung: boolean;
}

export interface SessionClient {
  client: string;
  kind: ClientKind;
  /** The Mcp-Session-Id from initialize; every call must still carry it. */
  sessionId: string;
  /** Streams resumed with Last-Event-ID. */
  resumptions: number;
  /** performance.now() when the last successful call ended (0: none yet). */
  lastOkAt: number;
}

export interface Load {
  calls: CallRecord[];
  sessions: SessionClient[];
  /** Resolves once every loop has finished its current call and every client is closed. */
  stop(): Promise<void>;
}

interface LoopClient {
  name: string;
  kind: ClientKind;
  /** One call; resolves with the result and how many progress notifications it saw. */
  call(args: { items: string[]; delayMs: number }): Promise<{ result: CallToolResult; progress: number }>;
  close(): Promise<void>;
  session?: SessionClient;
}

/** Why a finished call does not count as a success, or undefined when it does. */
function resultProblem(result: CallToolResult, progress: number, items: number): string | undefined {
  if (result.isError) return `tool error: ${JSON.stringify(result.content).slice(0, 200)}`;
  const processed = (result.structuredContent as { processed?: number } | undefined)?.processed;
  if (processed !== items) return `result counts ${processed} processed items of ${items}`;
  if (progress !== items) return `${progress} progress notifications for ${items} items`;
  return undefined;
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const text = error instanceof Error ? error.message : String(error);
  return `${typeof code === 'number' || typeof code === 'string' ? `[${code}] ` : ''}${text.split('\n')[0]}`;
}

/** The client's own request timeout (v2: SdkError REQUEST_TIMEOUT; v1: McpError -32001). */
const isTimeout = (error: unknown) => {
  const code = (error as { code?: unknown }).code;
  return code === SdkErrorCode.RequestTimeout || code === ErrorCode.RequestTimeout;
};

/** Every 2025-era call first checks the client still holds the session it started with. */
function sameSession(session: SessionClient, current: string | undefined): void {
  if (current !== session.sessionId)
    throw new Error(`session changed from ${session.sessionId} to ${current}: the client re-initialised`);
}

async function v2Client(
  target: LoadTarget,
  name: string,
  era: 'modern' | 'legacy',
  timeout: number,
): Promise<LoopClient> {
  const kind: ClientKind = era === 'modern' ? '2026-07-28' : '2025-11-25';
  const session =
    era === 'legacy'
      ? ({ client: name, kind, sessionId: '', resumptions: 0, lastOkAt: 0 } satisfies SessionClient)
      : undefined;
  const connection: Connection = await connect({
    url: new URL(target.url),
    era,
    auth: { kind: 'api-key', key: target.apiKey },
    headers: [],
    caPem: target.caPem,
    onLog: () => undefined,
    onNotice: (message) => {
      if (session && message.startsWith('stream interrupted')) session.resumptions++;
    },
  });
  if (connection.protocolVersion !== kind)
    throw new Error(`${name}: negotiated ${connection.protocolVersion}, not ${kind}`);
  if (session) {
    session.sessionId = connection.client.transport?.sessionId ?? '';
    if (!session.sessionId) throw new Error(`${name}: no Mcp-Session-Id from initialize`);
  }
  return {
    name,
    kind,
    session,
    async call(args) {
      if (session) sameSession(session, connection.client.transport?.sessionId);
      let progress = 0;
      const result = await callToolWatchingStream(
        connection,
        { name: 'process_items', arguments: args },
        { timeout, onprogress: () => progress++ },
      );
      if (session) sameSession(session, connection.client.transport?.sessionId);
      return { result, progress };
    },
    close: () => connection.close(),
  };
}

async function v1Client(target: LoadTarget, name: string, timeout: number): Promise<LoopClient> {
  const base = await fetchTrustingCa(target.caPem);
  const session: SessionClient = {
    client: name,
    kind: '2025-11-25 (SDK v1)',
    sessionId: '',
    resumptions: 0,
    lastOkAt: 0,
  };
  const counting: FetchLike = (url, init) => {
    if ((init?.method ?? 'GET') === 'GET' && new Headers(init?.headers).has('last-event-id'))
      session.resumptions++;
    return base(url, init);
  };
  const client = new ClientV1({ name, version: '1.0.0' });
  const transport = new TransportV1(new URL(target.url), {
    fetch: counting,
    requestInit: { headers: { Authorization: `Bearer ${target.apiKey}` } },
    reconnectionOptions: RECONNECTION,
  });
  await client.connect(transport);
  session.sessionId = transport.sessionId ?? '';
  if (!session.sessionId) throw new Error(`${name}: no Mcp-Session-Id from initialize`);
  return {
    name,
    kind: session.kind,
    session,
    async call(args) {
      sameSession(session, transport.sessionId);
      let progress = 0;
      const result = (await client.callTool({ name: 'process_items', arguments: args }, undefined, {
        timeout,
        onprogress: () => progress++,
      })) as CallToolResult;
      sameSession(session, transport.sessionId);
      return { result, progress };
    },
    async close() {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
}

/** Connects every client, then keeps each one calling until `stop()`. */
export async function startLoad(target: LoadTarget, shape: LoadShape): Promise<Load> {
  const items = shape.items ?? 3;
  const delayMs = shape.delayMs ?? 20;
  const clients = await Promise.all([
    ...Array.from({ length: shape.modernLoops }, (_, i) =>
      v2Client(target, `modern-${i + 1}`, 'modern', shape.callTimeoutMs),
    ),
    ...Array.from({ length: shape.sessions }, (_, i) =>
      v2Client(target, `session-${i + 1}`, 'legacy', shape.callTimeoutMs),
    ),
    ...(shape.v1Session ? [v1Client(target, 'v1-session', shape.callTimeoutMs)] : []),
  ]);
  const calls: CallRecord[] = [];
  let stopping = false;

  const loop = async (client: LoopClient) => {
    for (let n = 1; !stopping; n++) {
      const args = { items: Array.from({ length: items }, (_, i) => `${client.name}-${n}-${i}`), delayMs };
      const startedAt = performance.now();
      let error: string | undefined;
      let hung = false;
      try {
        const { result, progress } = await client.call(args);
        error = resultProblem(result, progress, items);
      } catch (caught) {
        hung = isTimeout(caught);
        error = hung ? `hung: no answer within ${shape.callTimeoutMs} ms` : describe(caught);
      }
      const endedAt = performance.now();
      calls.push({ client: client.name, kind: client.kind, startedAt, endedAt, error, hung });
      if (error === undefined && client.session) client.session.lastOkAt = endedAt;
      // A client whose calls fail at once must not spin.
      if (error !== undefined) await sleep(100);
    }
  };
  const loops = clients.map(loop);

  return {
    calls,
    sessions: clients.flatMap((client) => (client.session ? [client.session] : [])),
    async stop() {
      stopping = true;
      await Promise.all(loops);
      await Promise.all(clients.map((client) => client.close()));
    },
  };
}

export interface Tally {
  total: number;
  ok: number;
  failed: number;
  hung: number;
  /** Each distinct error text with how often it came. */
  errors: Record<string, number>;
}

export function tally(calls: readonly CallRecord[]): Tally {
  const failed = calls.filter((call) => call.error !== undefined);
  const errors: Record<string, number> = {};
  for (const call of failed) {
    const key = `${call.kind}: ${call.error}`;
    errors[key] = (errors[key] ?? 0) + 1;
  }
  return {
    total: calls.length,
    ok: calls.length - failed.length,
    failed: failed.length,
    hung: failed.filter((call) => call.hung).length,
    errors,
  };
}
