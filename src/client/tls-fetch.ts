import { rootCertificates } from 'node:tls';
import type { FetchLike } from '@modelcontextprotocol/client';

/**
 * A `fetch` that trusts `caPem` for HTTPS in addition to Node's bundled root CAs (a TLS `ca` option
 * replaces the defaults, so they are passed along explicitly).
 *
 * Why not NODE_EXTRA_CA_CERTS: Node reads it once at start-up, so setting it from inside the CLI
 * does nothing. Node's fetch is undici and honours a per-request `dispatcher`; an undici `Agent`
 * with `connect: { ca }` is the documented way to pin a CA. The `undici` package is not a
 * dependency, so the `Agent` class is taken from the global dispatcher Node's own fetch installs
 * (same undici build, so the dispatcher is guaranteed compatible). That object only exists once
 * fetch has run, hence the `data:` warm-up, which never touches the network.
 */
export async function fetchTrustingCa(caPem: string): Promise<FetchLike> {
  const Agent = await bundledAgentClass();
  const dispatcher = new Agent({ connect: { ca: [...rootCertificates, caPem] } });
  return (url, init) => fetch(url, { ...init, dispatcher } as RequestInit);
}

type AgentClass = new (options: { connect: { ca: string[] } }) => object;

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

async function bundledAgentClass(): Promise<AgentClass> {
  const holder = globalThis as Record<symbol, unknown>;
  if (holder[GLOBAL_DISPATCHER] === undefined) await (await fetch('data:,')).arrayBuffer();
  const dispatcher = holder[GLOBAL_DISPATCHER];
  const ctor = typeof dispatcher === 'object' && dispatcher !== null ? dispatcher.constructor : undefined;
  if (typeof ctor !== 'function' || ctor.name !== 'Agent') {
    throw new Error('--ca is not supported on this Node.js runtime (no undici Agent behind fetch)');
  }
  return ctor as AgentClass;
}
