import { randomUUID } from 'node:crypto';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { isInitializeRequest, type McpServer } from '@modelcontextprotocol/server';
import type { Request, Response } from 'express';
import type { Config } from '../../config.js';
import { refusals, sendJsonRpcError } from '../http-errors.js';
import { sessionHash } from '../observability/log-context.js';
import type { Logger } from '../observability/logger.js';
import { sessionsActive } from '../observability/metrics.js';
import { adoptCallSlot } from '../security/call-admission.js';
import { MemoryEventStore } from '../shared/event-store/memory.js';
import { cancelledRequestId, PendingRequests, toolCallRequest } from './pending-requests.js';
import type { LegacySessionState } from './server.js';
import type { SessionBudget } from './session-budget.js';

const ERA = '2025-11-25';

interface Session {
  id: string;
  transport: NodeStreamableHTTPServerTransport;
  server: McpServer;
  store: MemoryEventStore;
  /** Who created it; nobody else may use it (sessions are not authentication). */
  principal: string;
  lastSeen: number;
  /**
   * POSTs still being answered on this session: a session with a call in flight never idles out.
   * A standalone GET stream does not count, or a forgotten listener would keep a session forever.
   */
  active: number;
  /** Tool calls in flight, so a cancelled one gives its call places back while its stream stays open. */
  calls: PendingRequests;
  /** Gives the session's place in the shared MAX_SESSIONS budget back. */
  release: () => void;
}

export interface LegacySessionsDeps {
  config: Pick<Config, 'sessionIdleTimeoutMs' | 'eventStore' | 'sseRetryMs' | 'sseKeepAliveMs'>;
  logger: Logger;
  /** MAX_SESSIONS, shared with the HTTP+SSE sessions. */
  budget: SessionBudget;
  buildServer: (state: LegacySessionState) => McpServer;
  /** The principal id behind a request; every request is authenticated again upstream. */
  principalOf: (req: Request) => string;
  now?: () => number;
}

/**
 * Sessionful 2025-era Streamable HTTP (2025-03-26 … 2025-11-25): `initialize` mints an
 * `Mcp-Session-Id`, later POST/GET/DELETE carry it. One SDK transport and one McpServer per
 * session, each with its own bounded event store so a dropped stream resumes with `Last-Event-ID`.
 */
export class LegacySessions {
  readonly #sessions = new Map<string, Session>();
  readonly #sweeper: NodeJS.Timeout;
  readonly #now: () => number;

  constructor(private readonly deps: LegacySessionsDeps) {
    this.#now = deps.now ?? Date.now;
    const every = Math.max(250, Math.min(deps.config.sessionIdleTimeoutMs / 2, 60_000));
    this.#sweeper = setInterval(() => void this.sweep(), every).unref();
  }

  get size(): number {
    return this.#sessions.size;
  }

  async handle(req: Request, res: Response): Promise<void> {
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId !== 'string') {
      if (req.method === 'POST' && isInitializeRequest(req.body)) return this.#create(req, res);
      return sendJsonRpcError(res, refusals.badRequest('Mcp-Session-Id header is required'));
    }
    const session = this.#sessions.get(sessionId);
    // 2025-11-25 transports: 404 tells the client to re-initialise. Another principal's session
    // looks exactly like an unknown one, so its existence is not revealed.
    if (!session || session.principal !== this.deps.principalOf(req)) {
      return sendJsonRpcError(res, refusals.sessionNotFound());
    }
    session.lastSeen = this.#now();
    if (req.method === 'POST') {
      const call = toolCallRequest(req.body);
      if (call && session.calls.has(call.id)) {
        return sendJsonRpcError(res, refusals.badRequest('request id already in use in this session'));
      }
      session.active += 1;
      res.once('close', () => {
        session.active -= 1;
        session.lastSeen = this.#now();
      });
      if (call) res.once('close', session.calls.add(call.id, adoptCallSlot(res)));
      const cancelled = cancelledRequestId(req.body);
      if (cancelled !== undefined) session.calls.settle(cancelled);
    }
    await session.transport.handleRequest(req, res, req.body);
  }

  async #create(req: Request, res: Response): Promise<void> {
    const { config, logger } = this.deps;
    const release = this.deps.budget.acquire();
    if (!release) {
      return sendJsonRpcError(res, refusals.sessionLimit());
    }
    const state: LegacySessionState = { logLevel: undefined };
    const store = new MemoryEventStore(config.eventStore);
    const principal = this.deps.principalOf(req);
    const server = this.deps.buildServer(state);
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      // randomUUID is CSPRNG-backed and visible ASCII, as the transport spec requires.
      sessionIdGenerator: () => randomUUID(),
      eventStore: store,
      retryInterval: config.sseRetryMs,
      keepAliveMs: config.sseKeepAliveMs,
      onsessioninitialized: (id) => {
        this.#sessions.set(id, {
          id,
          transport,
          server,
          store,
          principal,
          lastSeen: this.#now(),
          active: 0,
          calls: new PendingRequests(),
          release,
        });
        sessionsActive.inc({ era: ERA });
        logger.debug({ session: sessionHash(id) }, 'legacy session opened');
      },
      onsessionclosed: (id) => this.#forget(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) this.#forget(transport.sessionId);
    };
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } finally {
      // An initialize that never produced a session gives its place back.
      if (transport.sessionId === undefined) release();
    }
  }

  #forget(id: string): void {
    const session = this.#sessions.get(id);
    if (!session) return;
    this.#sessions.delete(id);
    session.calls.settleAll();
    session.release();
    session.store.clear();
    sessionsActive.dec({ era: ERA });
    this.deps.logger.debug({ session: sessionHash(id) }, 'legacy session closed');
  }

  /** Closes sessions idle longer than SESSION_IDLE_TIMEOUT_MS; their ids then get 404. */
  async sweep(): Promise<void> {
    const cutoff = this.#now() - this.deps.config.sessionIdleTimeoutMs;
    const idle = [...this.#sessions.values()].filter((s) => s.active === 0 && s.lastSeen < cutoff);
    await Promise.all(idle.map((session) => this.#close(session)));
  }

  async #close(session: Session): Promise<void> {
    this.#forget(session.id);
    await session.transport.close().catch(() => undefined);
    await session.server.close().catch(() => undefined);
  }

  /** Ends every session: used on shutdown. */
  async closeAll(): Promise<void> {
    clearInterval(this.#sweeper);
    await Promise.all([...this.#sessions.values()].map((session) => this.#close(session)));
  }
}
