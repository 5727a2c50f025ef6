import type { Request } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';

type MaybeAuthed = Request & { auth?: { extra?: { principal?: { id?: unknown } } } };

/** The principal authentication put on the request (`apikey:<key id>`, `oauth:<subject>`), if any. */
export function principalIdOf(req: Request): string | undefined {
  const id = (req as MaybeAuthed).auth?.extra?.principal?.id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * The client address as one bucket: an IPv4 address, or an IPv6 /56 (what one customer is usually
 * given, so rotating through its addresses does not buy a fresh budget). It is the proxy-reported
 * client when express's `trust proxy` says the peer is a proxy.
 */
export function clientAddressKey(req: Request): string {
  return ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

/**
 * Whose budget a request draws on for the per-principal limits: the authenticated principal, or,
 * with auth off, `ip:` and the client address. Principal ids name a key id or a token subject,
 * never the credential, so these keys are safe in a limiter store another process can read.
 */
export function quotaKeyOf(req: Request): string {
  return principalIdOf(req) ?? `ip:${clientAddressKey(req)}`;
}
