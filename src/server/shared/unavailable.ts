/**
 * The shared store (Redis) cannot answer now: it is unreachable, or did not answer within
 * REDIS_TIMEOUT_MS. An operating condition, not a bug: `httpErrorOf` turns it into 503 with
 * Retry-After and a JSON-RPC error, so the client retries instead of waiting on a dead link.
 */
export class SharedStateUnavailable extends Error {
  override name = 'SharedStateUnavailable';
}
