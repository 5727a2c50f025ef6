import { createHash } from 'node:crypto';

/**
 * What the shared store keeps of the principal that owns a session: a hash, so a store that
 * leaks (a dump, a shared Redis) names no API key id or token subject. Equal principals give
 * equal hashes on every replica, which is all the ownership check needs.
 */
export function principalHash(principal: string): string {
  return createHash('sha256').update(`beacon-principal\0${principal}`).digest('base64url');
}
