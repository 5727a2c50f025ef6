import { type JSONRPCMessage, SSEClientTransport } from '@modelcontextprotocol/client';
import { type Connection, type ConnectSettings, openClient, prepareAuth, withTimeout } from './connect.js';

/**
 * On Ctrl-C the SDK POSTs `notifications/cancelled` without waiting for it, and closing the
 * transport aborts POSTs still under way, so sends are tracked and given a moment to leave.
 */
class SettlingSseTransport extends SSEClientTransport {
  private readonly sending = new Set<Promise<void>>();

  override send(message: JSONRPCMessage): Promise<void> {
    const sent = super.send(message);
    this.sending.add(sent);
    const forget = () => this.sending.delete(sent);
    sent.then(forget, forget);
    return sent;
  }

  settle(timeoutMs: number): Promise<void> {
    return withTimeout(Promise.allSettled([...this.sending]), timeoutMs);
  }
}

/**
 * Connects over the deprecated 2024-11-05 HTTP+SSE transport: `GET url` opens the event stream,
 * whose `endpoint` event names where to POST messages. The SDK's `SSEClientTransport` does the
 * wire work; the protocol on top is the 2025 one (initialize, `logging/setLevel`, session state).
 */
export async function connectSse(settings: Omit<ConnectSettings, 'era'>): Promise<Connection> {
  const { baseFetch, auth } = await prepareAuth(settings);
  const transport = new SettlingSseTransport(settings.url, {
    authProvider: auth.provider,
    requestInit: { headers: settings.headers },
    fetch: baseFetch,
  });
  const client = await openClient(transport, 'legacy', settings, auth);

  return {
    client,
    // Every answer shares the one event stream; when it ends, the SDK fails the call by itself.
    transport: { watchNext: () => () => undefined },
    era: 'sse',
    protocolVersion: client.getNegotiatedProtocolVersion() ?? 'unknown',
    server: client.getServerVersion(),
    finishPendingSignIn: () => auth.finishPendingSignIn(),
    async close() {
      auth.close();
      await transport.settle(1_000);
      await withTimeout(client.close(), 1_000);
    },
  };
}
