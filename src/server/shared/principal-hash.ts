import { createHash } from 'node:crypto';
import { LruMap } from '../lru-map.js';

/**
 * Hashes of the principals seen lately: every request of a 2025-era session checks its owner,
 * and a SHA-256 each time was a measurable share of a call. Principal ids are not secrets.
 */
const recent = new LruMap<string>(1024);

/**
 * What the shared store keeps of the principal that owns a session: a hash, so a store that
 * leaks (a dump, a shared Redis) names no API key id or token subject. Equal principals give
 * equal hashes on every replica, which is all the ownership check needs.
 */
export function principalHash(principal: string): string {
  let hash = recent.get(principal);
  if (hash === undefined) {
    hash = createHash('sha256').update(`beacon-principal\0${principal}`).digest('base64url');
    recent.set(principal, hash);
  }
  return hash;
}
