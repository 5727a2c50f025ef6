import type { Response } from 'express';
import { type RejectReason, requestsRejected } from './metrics.js';

interface RejectionLocals {
  rejectedFor?: RejectReason;
}

/**
 * Counts one refusal in `beacon_requests_rejected_total`. A response is counted once, under the
 * first reason given: the path that refused names it, and the HTTP metrics middleware only fills
 * in for refusals nobody named (see `refusalReason`).
 */
export function countRejection(res: Response, reason: RejectReason): void {
  const locals = res.locals as RejectionLocals;
  if (locals.rejectedFor) return;
  locals.rejectedFor = reason;
  requestsRejected.inc({ reason });
}

/** The reason this response was counted under, if it was a refusal. */
export function rejectionOf(res: Response): RejectReason | undefined {
  return (res.locals as RejectionLocals).rejectedFor;
}
