import {
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResponse,
  type JSONRPCMessage,
  type McpServer,
} from '@modelcontextprotocol/server';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../../config.js';
import { HttpError, JsonRpcCode, refusals, sendJsonRpcError } from '../http-errors.js';
import type { Logger } from '../observability/logger.js';
import { sessionsActive } from '../observability/metrics.js';
import { trackSseStream } from '../observability/sse-streams.js';
import { adoptCallSlot } from '../security/call-admission.js';
import { isWellFormedJsonContentType } from '../security/content-type.js';
import { principalHash } from '../shared/principal-hash.js';
import type { ControlBus, ControlMessage, SessionDirectory } from '../shared/shared-state.js';
import { cancelledRequestId, PendingRequests } from './pending-requests.js';
import type { LegacySessionState } from './server.js';
import type { TrackedSseTransport } from './tracked-sse-transport.js';

const ERA = '2024-11-05';

/**
 * RFC 9745: the resource is deprecated since this moment, an sf-date in seconds. 2025-03-26 is the
 * protocol revision that replaced HTTP+SSE with Streamable HTTP.
 */
export const SSE_DEPRECATED_SINCE = '@1742947200';

/**
 * Every response on /sse and /messages, refusals included, tells the client the transport is
 * deprecated (RFC 9745 `Deprecation`) and where the migration guide is (RFC 8288 `Link`).
 * Mounted before the Host/Origin guard and auth so their 403/401 carry it too.
 */
export function deprecationHeaders(docsUrl: string) {
  const link = `<${docsUrl}>; rel="deprecation"; type="text/html"`;
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.set({ Deprecation: SSE_DEPRECATED_SINCE, Link: link });
    next();
  };
}

interface SseSession {
  id: string;
  transport: TrackedSseTransport;
  server: McpServer;
  /** Who opened the stream; nobody else may post to it (sessions are not authentication). */
  principal: string;
  lastSeen: number;
  /** Requests the client sent that have had neither a response nor a cancellation yet. */
  pending: PendingRequests;
  keepAlive: NodeJS.Timeout | undefined;
}

export interface LegacySseDeps {
  config: Pick<Config, 'sessionIdleTimeoutMs' | 'sseKeepAliveMs' | 'publicUrl'>;
  logger: Logger;
  /** Where sessions are registered: MAX_SESSIONS is shared with the 2025-era Streamable HTTP sessions. */
  directory: SessionDirectory;
  /** Carries a message posted to another replica to the one holding the stream. */
  control: ControlBus;
  buildServer: (state: LegacySessionState) => McpServer;
  /** The principal id behind a request; every request is authenticated again upstream. */
  principalOf: (req: Request) => string;
  now?: () => number;
}

function isJsonRpcMessage(body: unknown): body is JSONRPCMessage {
  return isJSONRPCRequest(body) || isJSONRPCNotification(body) || isJSONRPCResponse(body);
}

/**
 * The deprecated 2024-11-05 HTTP+SSE transport, served by the SDK's frozen `SSEServerTransport`:
 * `GET /sse` opens the stream and names `/messages?sessionId=…` in its `endpoint` event; every
 * client message is POSTed there and every answer travels on the stream. One McpServer per stream,
 * with the same tools, notifier and `logging/setLevel` as a 2025-era session.
 */
export class LegacySseSessions {
  readonly #sessions = new Map<string, SseSession>();
  readonly #sweeper: NodeJS.Timeout;
  readonly #unsubscribe: () => void;
  readonly #now: () => number;
  /** Where the endpoint event sends the client: next to the MCP endpoint, behind any path prefix. */
  readonly #messagesPath: string;
  /**
   * The frozen transport's package loads here, not at start-up: 50–170 ms that a server with
   * LEGACY_SSE off never spends.
   */
  readonly #transport = import('./tracked-sse-transport.js');

  constructor(private readonly deps: LegacySseDeps) {
    this.#now = deps.now ?? Date.now;
    this.#messagesPath = new URL('messages', deps.config.publicUrl).pathname;
    const every = Math.max(250, Math.min(deps.config.sessionIdleTimeoutMs / 2, 60_000));
    this.#sweeper = setInterval(() => void this.sweep(), every).unref();
    this.#unsubscribe = deps.control.subscribe((message) => this.#onControl(message));
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** `GET /sse`: opens a session and its stream, or 503 when MAX_SESSIONS are live. */
  async open(req: Request, res: Response): Promise<void> {
    const { config, logger } = this.deps;
    const { TrackedSseTransport } = await this.#transport;
    const transport = new TrackedSseTransport(this.#messagesPath, res);
    const principal = principalHash(this.deps.principalOf(req));
    if (!(await this.deps.directory.open(transport.sessionId, { transport: 'http+sse', principal }))) {
      return sendJsonRpcError(res, refusals.sessionLimit());
    }
    const state: LegacySessionState = { logLevel: undefined };
    const server = this.deps.buildServer(state);
    const session: SseSession = {
      id: transport.sessionId,
      transport,
      server,
      principal,
      lastSeen: this.#now(),
      pending: new PendingRequests(),
      keepAlive: undefined,
    };
    transport.onresponse = (id) => session.pending.settle(id);
    // Proxies (nginx) must not buffer the stream; the transport sets the other SSE headers itself.
    res.setHeader('X-Accel-Buffering', 'no');
    res.once('close', () => void this.#close(session));
    trackSseStream(res, 'legacy_sse');
    this.#sessions.set(session.id, session);
    sessionsActive.inc({ era: ERA });
    try {
      await server.connect(transport);
    } catch (error) {
      await this.#close(session);
      throw error;
    }
    if (config.sseKeepAliveMs > 0) {
      // A comment line keeps idle proxies and load balancers from cutting a quiet stream.
      session.keepAlive = setInterval(() => res.write(':\n\n'), config.sseKeepAliveMs).unref();
    }
    logger.debug({ session: session.id.slice(0, 8) }, 'legacy SSE session opened');
  }

  /** `POST /messages?sessionId=…`: one JSON-RPC message for an open session; 202, answer on the stream. */
  async message(req: Request, res: Response): Promise<void> {
    const sessionId = req.query.sessionId;
    if (typeof sessionId !== 'string' || sessionId === '') {
      return sendJsonRpcError(res, refusals.badRequest('sessionId query parameter is required'));
    }
    const principal = principalHash(this.deps.principalOf(req));
    const session = this.#sessions.get(sessionId);
    // The stream may be held by another replica: the shared directory knows the session.
    const remote = session ? undefined : await this.deps.directory.get(sessionId);
    // Another principal's session looks exactly like an unknown one, so its existence is not revealed.
    const owner = session?.principal ?? (remote?.transport === 'http+sse' ? remote.principal : undefined);
    if (owner === undefined || owner !== principal) {
      return sendJsonRpcError(res, refusals.sessionNotFound());
    }
    if (!isWellFormedJsonContentType(req.headers['content-type'])) {
      return sendJsonRpcError(res, refusals.notJson());
    }
    const message: unknown = req.body;
    if (!isJsonRpcMessage(message)) {
      return sendJsonRpcError(
        res,
        new HttpError(
          400,
          JsonRpcCode.InvalidRequest,
          'Invalid Request: expected one JSON-RPC 2.0 message',
          'bad_request',
        ),
      );
    }
    if (!session) {
      // The answer travels on the stream, wherever it is: this replica only hands the message on.
      await this.deps.control.publish({ kind: 'sse-message', session: sessionId, message });
      res.status(202).type('text/plain').send('Accepted');
      return;
    }
    if (isJSONRPCRequest(message) && session.pending.has(message.id)) {
      return sendJsonRpcError(res, refusals.badRequest('request id already in use in this session'));
    }
    // A call here outlives this 202: its places are held until its answer or cancellation.
    this.#track(session, message, adoptCallSlot(res));
    await session.transport.handlePostMessage(req, res, message);
  }

  /** Notes a client message for the session's idle clock and its calls in flight. */
  #track(session: SseSession, message: JSONRPCMessage, release?: () => void): void {
    session.lastSeen = this.#now();
    if (isJSONRPCRequest(message)) session.pending.add(message.id, release);
    const cancelled = cancelledRequestId(message);
    if (cancelled !== undefined) session.pending.settle(cancelled);
  }

  /** A message posted to another replica for a stream held here. */
  #onControl(control: ControlMessage): void {
    if (control.kind !== 'sse-message') return;
    const session = this.#sessions.get(control.session);
    if (!session) return;
    const { message } = control;
    if (isJSONRPCRequest(message) && session.pending.has(message.id)) return;
    this.#track(session, message);
    session.transport.handleMessage(message).catch((error: Error) => {
      this.deps.logger.warn({ err: error.message }, 'message from another replica not delivered');
    });
  }

  /** Closes sessions with no call in flight and no message for SESSION_IDLE_TIMEOUT_MS. */
  async sweep(): Promise<void> {
    const cutoff = this.#now() - this.deps.config.sessionIdleTimeoutMs;
    const idle = [...this.#sessions.values()].filter((s) => s.pending.size === 0 && s.lastSeen < cutoff);
    await Promise.all(idle.map((session) => this.#close(session)));
    // The stream is open here: its place under MAX_SESSIONS must not expire in the directory.
    await Promise.all([...this.#sessions.keys()].map((id) => this.deps.directory.touch(id)));
  }

  /** Ends every stream: used on shutdown. Calls still running are aborted by the server's close. */
  async closeAll(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#unsubscribe();
    await Promise.all([...this.#sessions.values()].map((session) => this.#close(session)));
  }

  async #close(session: SseSession): Promise<void> {
    if (this.#sessions.get(session.id) !== session) return;
    this.#sessions.delete(session.id);
    clearInterval(session.keepAlive);
    session.pending.settleAll();
    await this.deps.directory.close(session.id);
    sessionsActive.dec({ era: ERA });
    this.deps.logger.debug({ session: session.id.slice(0, 8) }, 'legacy SSE session closed');
    // Closing the server closes the transport (ending the stream) and aborts calls in flight.
    await session.server.close().catch(() => undefined);
  }
}

/** `GET /sse` and `POST /messages`; any other method on them gets 405 with `Allow`. */
export function legacySseRoutes(sessions: LegacySseSessions): express.Router {
  const router = express.Router();
  const wrong = (allow: string) => (_req: Request, res: Response) =>
    sendJsonRpcError(
      res,
      new HttpError(405, JsonRpcCode.ServerError, 'Method not allowed', undefined, { Allow: allow }),
    );
  router
    .route('/sse')
    // Express would answer HEAD with the GET handler, opening a session nobody can read.
    .head(wrong('GET'))
    .get((req, res, next) => sessions.open(req, res).catch(next))
    .all(wrong('GET'));
  router
    .route('/messages')
    .post((req, res, next) => sessions.message(req, res).catch(next))
    .all(wrong('POST'));
  return router;
}
