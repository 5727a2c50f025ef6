import {
  Client,
  type FetchLike,
  isJSONRPCRequest,
  type JSONRPCMessage,
  type LoggingMessageNotification,
  StreamableHTTPClientTransport,
  type StreamableHTTPReconnectionOptions,
  type Transport,
  type VersionNegotiationMode,
} from '@modelcontextprotocol/client';
import { VERSION } from '../version.js';
import type { EraChoice } from './args.js';
import { authProviderFor, type ClientAuth, type ResolvedAuth } from './auth.js';
import type { Era } from './render.js';
import { fetchTrustingCa } from './tls-fetch.js';

export const MODERN_VERSION = '2026-07-28';

type SendOptions = Parameters<StreamableHTTPClientTransport['send']>[1];

interface StreamWatch {
  method: string;
  onEnd: () => void;
  stopped: boolean;
}

export interface ConnectSettings {
  url: URL;
  /** Streamable HTTP eras; HTTP+SSE is sse-connect.ts. */
  era: Exclude<EraChoice, 'sse'>;
  auth: ClientAuth;
  headers: Array<[string, string]>;
  /** PEM text of an extra CA to trust for HTTPS. */
  caPem: string | undefined;
  /** Every `notifications/message`, as it arrives. */
  onLog: (params: LoggingMessageNotification['params']) => void;
  /** One-line remarks about what the transport did on our behalf (stream resumed...). */
  onNotice: (message: string) => void;
  signal?: AbortSignal;
  /** The user's environment (where `--oauth` caches tokens). */
  env?: Record<string, string | undefined>;
  /** Open the `--oauth` sign-in URL in a browser (an interactive terminal). */
  openBrowser?: boolean;
}

export interface Connection {
  client: Client;
  /** Tells the call when its own response stream ended (Streamable HTTP has one per request). */
  transport: Pick<TrackedTransport, 'watchNext'>;
  era: Era;
  protocolVersion: string;
  server: { name: string; version: string } | undefined;
  /** Finishes a browser sign-in the SDK started on 403 insufficient_scope (`--oauth`); false if none. */
  finishPendingSignIn(): Promise<boolean>;
  /** Ends a legacy session (DELETE) and closes the client; bounded so Ctrl-C never hangs. */
  close(): Promise<void>;
}

/**
 * 2025-11-25 servers may close an SSE stream after a priming event and expect the client to resume
 * with GET + Last-Event-ID; a dropped connection is resumed the same way. The SDK's default gives up
 * after 2 attempts, too few for a long call over a flaky link.
 */
export const RECONNECTION: StreamableHTTPReconnectionOptions = {
  initialReconnectionDelay: 500,
  reconnectionDelayGrowFactor: 1.5,
  maxReconnectionDelay: 10_000,
  maxRetries: 6,
};

function negotiationMode(era: ConnectSettings['era']): VersionNegotiationMode {
  switch (era) {
    case 'auto':
      return 'auto'; // probe with server/discover, fall back to the 2025 initialize handshake
    case 'modern':
      return { pin: MODERN_VERSION };
    case 'legacy':
      return 'legacy';
  }
}

/**
 * The SDK sends a legacy `notifications/cancelled` as a fire-and-forget POST when a call is aborted.
 * Closing the transport right after would abort that POST too, so the transport keeps track of sends
 * in flight and `settle()` lets them finish (briefly) before the process exits.
 */
export class TrackedTransport extends StreamableHTTPClientTransport {
  private readonly inFlight = new Set<Promise<void>>();

  /** Set by `watchNext` until a request of its method is sent, then bound to that request alone. */
  private nextWatch: StreamWatch | undefined;

  /**
   * Calls `onEnd` when the response stream of the next `method` request sent ends other than by
   * our own abort: after the result, or without one (a modern stream cut, or a legacy stream whose
   * resumption gave up). The SDK leaves such a request pending until its timeout; the caller uses
   * this to fail it at once instead. The watch belongs to that one request: a stream of an earlier
   * call that ends late must not fail the next. Returns the function that stops watching.
   */
  watchNext(method: string, onEnd: () => void): () => void {
    const watch: StreamWatch = { method, onEnd, stopped: false };
    this.nextWatch = watch;
    return () => {
      watch.stopped = true;
      if (this.nextWatch === watch) this.nextWatch = undefined;
    };
  }

  override send(message: JSONRPCMessage | JSONRPCMessage[], options?: SendOptions): Promise<void> {
    let watched = options;
    const watch = this.nextWatch;
    if (watch && !Array.isArray(message) && isJSONRPCRequest(message) && message.method === watch.method) {
      this.nextWatch = undefined;
      watched = {
        ...options,
        onRequestStreamEnd: () => {
          options?.onRequestStreamEnd?.();
          if (!watch.stopped) watch.onEnd();
        },
      };
    }
    const sending = super.send(message, watched);
    this.inFlight.add(sending);
    sending.then(
      () => this.inFlight.delete(sending),
      () => this.inFlight.delete(sending),
    );
    return sending;
  }

  async settle(timeoutMs: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    await withTimeout(Promise.allSettled([...this.inFlight]), timeoutMs);
  }
}

export async function withTimeout(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((done) => {
    timer = setTimeout(done, ms);
    timer.unref();
  });
  await Promise.race([
    work.then(
      () => undefined,
      () => undefined,
    ),
    timeout,
  ]);
  clearTimeout(timer);
}

/** Wraps fetch to tell the user when the transport resumes a stream with Last-Event-ID. */
function observingResumes(base: FetchLike, onNotice: (message: string) => void): FetchLike {
  return (url, init) => {
    const lastEventId = new Headers(init?.headers).get('last-event-id');
    if ((init?.method ?? 'GET') === 'GET' && lastEventId) {
      onNotice(`stream interrupted; resuming after event ${lastEventId}`);
    }
    return base(url, init);
  };
}

/** Connects over Streamable HTTP in the requested era. Throws on failure (see errors.ts for mapping). */
/** The fetch (trusting `--ca`) and the credentials every transport of this client shares. */
export async function prepareAuth(settings: Omit<ConnectSettings, 'era'>) {
  const baseFetch: FetchLike = settings.caPem !== undefined ? await fetchTrustingCa(settings.caPem) : fetch;
  const auth = await authProviderFor(settings.auth, {
    url: settings.url,
    fetch: baseFetch,
    env: settings.env ?? {},
    onNotice: settings.onNotice,
    openBrowser: settings.openBrowser ?? false,
    signal: settings.signal,
  });
  return { baseFetch, auth };
}

/** Creates the SDK client, routes log notifications to the renderer, and connects; cleans up on failure. */
export async function openClient(
  transport: Transport,
  mode: VersionNegotiationMode,
  settings: Pick<ConnectSettings, 'onLog' | 'signal'>,
  auth: ResolvedAuth,
): Promise<Client> {
  const client = new Client({ name: 'beacon-call', version: VERSION }, { versionNegotiation: { mode } });
  client.setNotificationHandler('notifications/message', (notification) => {
    settings.onLog(notification.params);
  });
  // Transport errors are either retried by the SDK (each resume attempt gets a notice) or surface
  // as the call's own error; printing them here as well would only repeat that.
  client.onerror = () => undefined;
  try {
    await client.connect(transport, { signal: settings.signal });
  } catch (error) {
    await client.close().catch(() => undefined);
    auth.close();
    throw error;
  }
  return client;
}

export async function connect(settings: ConnectSettings): Promise<Connection> {
  const { baseFetch, auth } = await prepareAuth(settings);
  const transport = new TrackedTransport(settings.url, {
    authProvider: auth.provider,
    // One step-up on 403 insufficient_scope, then the refusal surfaces as the call's error.
    maxStepUpRetries: 1,
    requestInit: { headers: settings.headers },
    fetch: observingResumes(baseFetch, settings.onNotice),
    reconnectionOptions: RECONNECTION,
  });
  const client = await openClient(transport, negotiationMode(settings.era), settings, auth);

  const era = client.getProtocolEra() ?? 'legacy';
  return {
    client,
    transport,
    era,
    protocolVersion: client.getNegotiatedProtocolVersion() ?? 'unknown',
    server: client.getServerVersion(),
    finishPendingSignIn: () => auth.finishPendingSignIn(),
    async close() {
      auth.close();
      await transport.settle(1_000);
      if (era === 'legacy') await withTimeout(transport.terminateSession(), 1_000);
      await withTimeout(client.close(), 1_000);
    },
  };
}
