import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const PAGE = `<!doctype html><meta charset="utf-8"><title>beacon call</title>
<p>Signed in. You can close this window and return to the terminal.</p>`;

/**
 * The redirect target of a native app's authorization request (RFC 8252 §7.3): an HTTP listener on
 * 127.0.0.1 with a port the OS picks. It takes one callback whose `state` matches, then stops.
 */
export class LoopbackCallback {
  private constructor(
    private readonly server: Server,
    readonly redirectUrl: string,
  ) {}

  static async listen(): Promise<LoopbackCallback> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return new LoopbackCallback(server, `http://127.0.0.1:${port}/callback`);
  }

  /** Resolves with the callback's query once a request with this `state` arrives; others get 400. */
  wait(state: string, signal: AbortSignal): Promise<URLSearchParams> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.server.off('request', onRequest);
        reject(signal.reason ?? new Error('sign-in aborted'));
      };
      const onRequest = (
        req: import('node:http').IncomingMessage,
        res: import('node:http').ServerResponse,
      ) => {
        const url = new URL(req.url ?? '/', this.redirectUrl);
        if (url.pathname !== '/callback' || url.searchParams.get('state') !== state) {
          res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Unexpected request.\n');
          return;
        }
        res
          .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
          .end(PAGE);
        this.server.off('request', onRequest);
        signal.removeEventListener('abort', onAbort);
        resolve(url.searchParams);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.server.on('request', onRequest);
    });
  }

  close(): void {
    this.server.close();
    this.server.closeAllConnections();
  }
}
