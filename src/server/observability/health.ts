import type { Request, Response } from 'express';

/** `connecting` until the first connection to Redis ever; then `up` or `down`. */
export type SharedStoreLink = 'connecting' | 'up' | 'down';

export interface Readiness {
  /** False while draining on SIGTERM, so the proxy stops routing new traffic here. */
  ready(): boolean;
  /** The link to the shared store when REDIS_URL is set; absent when one process keeps its state in memory. */
  sharedStore?(): SharedStoreLink;
}

export interface ReadinessVerdict {
  status: 200 | 503;
  body: { status: 'ready' | 'draining' | 'starting'; redis?: SharedStoreLink };
}

/**
 * What /readyz answers. Draining: 503. With REDIS_URL, 503 until Redis has been reached once (a
 * fresh replica cannot serve sessions yet), then 200 whether Redis is up or not: a Redis outage
 * hits every replica alike, and the 2026-07-28 era still works without it, so taking replicas out
 * of rotation would only turn a partial outage into a full one. The body says which it is.
 */
export function readinessOf(ready: boolean, redis: SharedStoreLink | undefined): ReadinessVerdict {
  const link = redis === undefined ? {} : { redis };
  if (!ready) return { status: 503, body: { status: 'draining', ...link } };
  if (redis === 'connecting') return { status: 503, body: { status: 'starting', ...link } };
  return { status: 200, body: { status: 'ready', ...link } };
}

/** Liveness: the process answers. */
export function healthz(_req: Request, res: Response): void {
  res.status(200).json({ status: 'ok' });
}

/** Readiness: see `readinessOf`. */
export function readyz(readiness: Readiness) {
  return (_req: Request, res: Response): void => {
    const verdict = readinessOf(readiness.ready(), readiness.sharedStore?.());
    res.status(verdict.status).json(verdict.body);
  };
}
