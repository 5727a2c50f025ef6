import { rootCertificates } from 'node:tls';
import type { FetchLike } from '@modelcontextprotocol/client';
import { Agent, fetch as undiciFetch } from 'undici';

/**
 * A `fetch` that trusts `caPem` for HTTPS in addition to Node's bundled root CAs (a TLS `ca` option
 * replaces the defaults, so they are passed along explicitly).
 *
 * Why not NODE_EXTRA_CA_CERTS: Node reads it once at start-up, so setting it from inside the CLI
 * does nothing. An undici `Agent` with `connect: { ca }` pins the CA per connection; undici's own
 * `fetch` is used with it so the dispatcher and the fetch always come from the same undici build.
 */
export async function fetchTrustingCa(caPem: string): Promise<FetchLike> {
  const dispatcher = new Agent({ connect: { ca: [...rootCertificates, caPem] } });
  return (url, init) =>
    undiciFetch(url, {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher,
    }) as unknown as Promise<Response>;
}
