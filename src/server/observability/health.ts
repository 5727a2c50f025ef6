import type { Request, Response } from 'express';

export interface Readiness {
  /** False while draining on SIGTERM, so the proxy stops routing new traffic here. */
  ready(): boolean;
}

/** Liveness: the process answers. */
export function healthz(_req: Request, res: Response): void {
  res.status(200).json({ status: 'ok' });
}

/** Readiness: 200 while taking traffic, 503 while draining or when a dependency is down. */
export function readyz(readiness: Readiness) {
  return (_req: Request, res: Response): void => {
    if (readiness.ready()) res.status(200).json({ status: 'ready' });
    else res.status(503).json({ status: 'draining' });
  };
}
