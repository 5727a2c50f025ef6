/** First reconnect delay, doubled per failed attempt up to RECONNECT_CAP_MS. */
export const RECONNECT_BASE_MS = 100;
/** The longest wait between attempts: a returning Redis is found within about this long. */
export const RECONNECT_CAP_MS = 3000;

/**
 * Milliseconds before reconnect attempt `retries` (0 for the first): capped exponential backoff
 * with "equal jitter", half fixed and half random, so replicas that lost Redis together do not
 * knock on it in lockstep, yet none waits longer than the cap. It never gives up: Redis trouble is
 * an operating condition, and the replica keeps serving what needs no shared state meanwhile.
 */
export function reconnectDelay(retries: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RECONNECT_CAP_MS, RECONNECT_BASE_MS * 2 ** Math.min(Math.max(retries, 0), 16));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
