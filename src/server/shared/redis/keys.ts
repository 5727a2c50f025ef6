/**
 * The key of one session's `suffix` (`record`, `events`, …) under REDIS_KEY_PREFIX. The session id
 * sits in braces, a Redis Cluster hash tag, so every key of one session lands in one slot and a
 * script or MULTI may touch several of them. Session ids are visible ASCII (spec), and Beacon's
 * contain no braces, so the tag is always the whole id.
 *
 *   keyOf('beacon:', 'abc', 'events') === 'beacon:{abc}:events'
 */
export function keyOf(prefix: string, sessionId: string, suffix: string): string {
  return `${prefix}{${sessionId}}:${suffix}`;
}
