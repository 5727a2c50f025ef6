import { randomUUID } from 'node:crypto';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import {
  isInitializeRequest,
  isJSONRPCNotification,
  type JSONRPCMessage,
  type McpServer,
  type RequestId,
} from '@modelcontextprotocol/server';
import type { Request, Response } from 'express';
import type { Config } from '../../config.js';
import { JsonRpcCode, refusals, sendJsonRpcError } from '../http-errors.js';
import { noteRequestScope, sessionHash } from '../observability/log-context.js';
import type { Logger } from '../observability/logger.js';
import { sessionsActive, sessionsAdopted } from '../observability/metrics.js';
import { adoptCallSlot } from '../security/call-admission.js';
import { withRequestIds } from '../shared/event-store/request-context.js';
import { principalHash } from '../shared/principal-hash.js';
import type {
  ControlMessage,
  SessionEventStore,
  SessionRecord,
  SharedState,
} from '../shared/shared-state.js';
import { adoptSession } from './adopt-session.js';
import { PendingRequests, toolCallRequest } from './pending-requests.js';
import { serveResumption } from './resume-stream.js';
import type { LegacySessionState } from './server.js';

const ERA = '2025-11-25';

/** This replica's copy of a session: the transport and server that answer its requests here. */
interface LocalSession {
  id: string;
  /** `sessionHash(id)`, for the log line of each of its requests. */
  logHash: string;
  serve: (req: Request, res: Response, body: unknown) => Promise<void>;
  /** Delivers a message as if the client had sent it here (a cancellation sent to another replica). */
  deliver: (message: JSONRPCMessage) => void;
  close: () => Promise<void>;
  store: SessionEventStore;
  state: LegacySessionState;
  lastSeen: number;
  /**
   * POSTs still being answered here: a session with a call in flight never idles out. A standalone
   * GET stream does not count, or a forgotten listener would keep a session forever.
   */
  active: number;
  /** Tool calls in flight here, so a cancelled one gives its call places back while its stream stays open. */
  calls: PendingRequests;
}

export interface LegacySessionsDeps {
  config: Pick<Config, 'sessionIdleTimeoutMs' | 'sseRetryMs' | 'sseKeepAliveMs'>;
  logger: Logger;
  shared: Pick<SharedState, 'sessions' | 'events' | 'control' | 'leases'>;
  buildServer: (state: LegacySessionState) => McpServer;
  /** The principal id behind a request; every request is authenticated again upstream. */
  principalOf: (req: Request) => string;
  now?: () => number;
}

/** The `notifications/cancelled` messages in a POST body (one message or a batch). */
function cancellationsIn(body: unknown): { requestId: RequestId; reason?: string }[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages.flatMap((message) => {
    if (!isJSONRPCNotification(message) || message.method !== 'notifications/cancelled') return [];
    const params = message.params as { requestId?: RequestId; reason?: string } | undefined;
    return params?.requestId === undefined ? [] : [{ requestId: params.requestId, reason: params.reason }];
  });
}

function requestIdsIn(body: unknown): RequestId[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages.flatMap((m) =>
    m && typeof m === 'object' && 'method' in m && 'id' in m ? [(m as { id: RequestId }).id] : [],
  );
}

/**
 * Sessionful 2025-era Streamable HTTP (2025-03-26 … 2025-11-25): `initialize` mints an
 * `Mcp-Session-Id`, later POST/GET/DELETE carry it. The session itself lives in the shared
 * directory (its principal, initialize and log level); each replica that serves it holds a local
 * copy (one SDK transport and one McpServer), built on first use from the directory if another
 * replica created it. With one process, the directory is in memory and every copy is the first.
 */
export class LegacySessions {
  readonly #local = new Map<string, LocalSession>();
  readonly #sweeper: NodeJS.Timeout;
  readonly #now: () => number;
  readonly #unsubscribe: () => void;

  constructor(private readonly deps: LegacySessionsDeps) {
    this.#now = deps.now ?? Date.now;
    const every = Math.max(250, Math.min(deps.config.sessionIdleTimeoutMs / 2, 60_000));
    this.#sweeper = setInterval(() => void this.sweep(), every).unref();
    this.#unsubscribe = deps.shared.control.subscribe((message) => this.#onControl(message));
    // The replica running a call died: a client resuming on any replica gets a definite answer.
    deps.shared.leases.onExpired(async (session, requestId) => {
      await deps.shared.events.forSession(session).appendFinal(requestId, {
        jsonrpc: '2.0',
        id: requestId,
        error: {
          code: JsonRpcCode.CallInterrupted,
          message: 'The server running this call stopped before it finished; it can be retried',
        },
      });
      deps.logger.warn(
        { session: sessionHash(session) },
        'call lease expired; answered for the stopped replica',
      );
    });
  }

  async handle(req: Request, res: Response): Promise<void> {
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId !== 'string') {
      if (req.method === 'POST' && isInitializeRequest(req.body)) return this.#create(req, res);
      return sendJsonRpcError(res, refusals.badRequest('Mcp-Session-Id header is required'));
    }
    const record = await this.deps.shared.sessions.get(sessionId);
    // 2025-11-25 transports: 404 tells the client to re-initialise. Another principal's session
    // looks exactly like an unknown one, so its existence is not revealed.
    const owner = principalHash(this.deps.principalOf(req));
    if (record?.transport !== 'streamable-http' || record.principal !== owner) {
      if (!record) await this.#dropLocal(sessionId);
      return sendJsonRpcError(res, refusals.sessionNotFound());
    }
    const session = this.#local.get(sessionId) ?? (await this.#adopt(sessionId, record, res));
    noteRequestScope(res, { sessionLogHash: session.logHash });
    session.lastSeen = this.#now();
    if (req.method === 'POST') return this.#post(session, req, res);
    const lastEventId = req.headers['last-event-id'];
    if (req.method === 'GET' && typeof lastEventId === 'string') {
      const streamId = await session.store.getStreamIdForEventId(lastEventId);
      // The call runs on another replica, or has ended: the SDK would replay and close; this
      // replays and then follows the stream live until the call's final response.
      if (streamId !== undefined && !session.store.writesLocally(streamId)) {
        return serveResumption(req, res, session.store, lastEventId, this.deps.config.sseKeepAliveMs);
      }
    }
    await session.serve(req, res, req.body);
  }

  async #post(session: LocalSession, req: Request, res: Response): Promise<void> {
    const call = toolCallRequest(req.body);
    if (call && session.calls.has(call.id)) {
      return sendJsonRpcError(res, refusals.badRequest('request id already in use in this session'));
    }
    session.active += 1;
    const ended = call && session.calls.add(call.id, adoptCallSlot(res));
    // Stored before the transport primes the stream with an event id: a client that holds an id
    // can resume on any replica, and if this one dies, the lease is what gets that call answered.
    const lease = call && this.deps.shared.leases.hold(session.id, call.id);
    // One listener for all of it: a response already carries many (see the fuzz test's stderr check).
    res.once('close', () => {
      session.active -= 1;
      session.lastSeen = this.#now();
      ended?.();
      lease?.release();
    });
    if (lease) await lease.held;
    // The call may run on another replica: every replica hears the cancellation.
    for (const { requestId, reason } of cancellationsIn(req.body)) {
      await this.deps.shared.control.publish({ kind: 'cancel', session: session.id, requestId, reason });
    }
    const ids = requestIdsIn(req.body);
    // The context is not free: on Node 20 it hooks every promise of the process from then on,
    // about a seventh of a 2025-era call's CPU (bench/RESULTS.md). Entered only when needed.
    if (ids.length === 0 || (ids.length === 1 && !this.deps.shared.events.needsEveryRequestId))
      return session.serve(req, res, req.body);
    // The event store learns which stream each request's events go to (see request-context.ts).
    await withRequestIds(ids, () => session.serve(req, res, req.body));
  }

  async #create(req: Request, res: Response): Promise<void> {
    const { config, shared } = this.deps;
    // randomUUID is CSPRNG-backed and visible ASCII, as the transport spec requires.
    const id = randomUUID();
    const record: SessionRecord = {
      transport: 'streamable-http',
      principal: principalHash(this.deps.principalOf(req)),
      initialize: req.body as JSONRPCMessage,
    };
    if (!(await shared.sessions.open(id, record))) return sendJsonRpcError(res, refusals.sessionLimit());
    const state = this.#stateFor(id, undefined);
    const server = this.deps.buildServer(state);
    const store = shared.events.forSession(id);
    let mine: LocalSession | undefined;
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      eventStore: store,
      retryInterval: config.sseRetryMs,
      keepAliveMs: config.sseKeepAliveMs,
      onsessioninitialized: () => {
        const serve: LocalSession['serve'] = (rq, rs, body) => transport.handleRequest(rq, rs, body);
        mine = this.#hold({ id, serve, transport, server, store, state });
      },
      onsessionclosed: () => this.#end(id),
    });
    transport.onclose = () => {
      if (mine) this.#forget(id, mine);
    };
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } finally {
      // An initialize that never produced a session gives its place back.
      if (transport.sessionId === undefined) await shared.sessions.close(id);
    }
  }

  /** Builds this replica's copy of a session another replica created. */
  async #adopt(id: string, record: SessionRecord, res: Response): Promise<LocalSession> {
    const { config, shared } = this.deps;
    const state = this.#stateFor(id, record.logLevel);
    const server = this.deps.buildServer(state);
    const store = shared.events.forSession(id);
    let mine: LocalSession | undefined;
    const { transport, serve } = await adoptSession({
      id,
      initialize: record.initialize as JSONRPCMessage,
      server,
      eventStore: store,
      retryInterval: config.sseRetryMs,
      keepAliveMs: config.sseKeepAliveMs,
      // DELETE through an adopted copy ends the session everywhere, as through the first.
      onSessionClosed: () => this.#end(id),
      onClose: () => {
        if (mine) this.#forget(id, mine);
      },
    });
    // A concurrent request may have adopted it first: keep one copy.
    const existing = this.#local.get(id);
    if (existing) {
      await this.#closeServer(server);
      return existing;
    }
    noteRequestScope(res, { sessionAdopted: true });
    sessionsAdopted.inc();
    mine = this.#hold({ id, serve, transport, server, store, state });
    this.deps.logger.debug({ session: sessionHash(id) }, 'legacy session adopted');
    return mine;
  }

  #stateFor(id: string, logLevel: LegacySessionState['logLevel']): LegacySessionState {
    const { shared } = this.deps;
    return {
      logLevel,
      // `logging/setLevel` on any replica applies to this session's calls on every replica.
      shareLevel: async (level) => {
        await shared.sessions.setLogLevel(id, level);
        await shared.control.publish({ kind: 'set-level', session: id, level });
      },
    };
  }

  /** Keeps this replica's copy of a session, answering through `transport` and `server`. */
  #hold(parts: {
    id: string;
    serve: LocalSession['serve'];
    transport: { onmessage?: (message: JSONRPCMessage) => void };
    server: McpServer;
    store: SessionEventStore;
    state: LegacySessionState;
  }): LocalSession {
    const { id, serve, transport, server, store, state } = parts;
    const session: LocalSession = {
      id,
      logHash: sessionHash(id),
      serve,
      deliver: (message) => transport.onmessage?.(message),
      close: () => this.#closeServer(server),
      store,
      state,
      lastSeen: this.#now(),
      active: 0,
      calls: new PendingRequests(),
    };
    this.#local.set(id, session);
    sessionsActive.inc({ era: ERA });
    this.deps.logger.debug({ session: sessionHash(id) }, 'legacy session opened');
    return session;
  }

  #onControl(message: ControlMessage): void {
    if (message.kind === 'sse-message') return;
    const session = this.#local.get(message.session);
    if (!session) return;
    if (message.kind === 'set-level') session.state.logLevel = message.level;
    else if (message.kind === 'cancel') {
      session.calls.settle(message.requestId);
      session.deliver({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: message.requestId, ...(message.reason ? { reason: message.reason } : {}) },
      });
    } else void this.#dropLocal(message.session);
  }

  /** DELETE, or expiry: the session ends for every replica, its running calls stop. */
  async #end(id: string): Promise<void> {
    const { shared } = this.deps;
    if (await shared.sessions.close(id)) await shared.control.publish({ kind: 'close', session: id });
    await shared.events.forSession(id).clear();
    await this.#dropLocal(id);
  }

  /** Forgets this replica's copy of a session; with `which`, only if that is still the copy held. */
  #forget(id: string, which?: LocalSession): LocalSession | undefined {
    const session = this.#local.get(id);
    if (!session || (which !== undefined && session !== which)) return undefined;
    this.#local.delete(id);
    session.calls.settleAll();
    sessionsActive.dec({ era: ERA });
    this.deps.logger.debug({ session: sessionHash(id) }, 'legacy session closed');
    return session;
  }

  /** Closes this replica's copy; the session itself lives on in the directory unless ended. */
  async #dropLocal(id: string): Promise<void> {
    await this.#forget(id)?.close();
  }

  async #closeServer(server: McpServer): Promise<void> {
    // Closing the server closes its transport, which aborts the calls running in it.
    await server.close().catch(() => undefined);
  }

  /** Drops local copies idle longer than SESSION_IDLE_TIMEOUT_MS; the directory expires sessions. */
  async sweep(): Promise<void> {
    const cutoff = this.#now() - this.deps.config.sessionIdleTimeoutMs;
    const idle = [...this.#local.values()].filter((s) => s.active === 0 && s.lastSeen < cutoff);
    await Promise.all(idle.map((session) => this.#dropLocal(session.id)));
    // A call still running keeps its session alive everywhere.
    const busy = [...this.#local.values()].filter((s) => s.active > 0);
    await Promise.all(busy.map((session) => this.deps.shared.sessions.touch(session.id)));
  }

  /** Closes every local copy: used on shutdown. The sessions live on for other replicas. */
  async closeAll(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#unsubscribe();
    await Promise.all([...this.#local.keys()].map((id) => this.#dropLocal(id)));
  }
}
