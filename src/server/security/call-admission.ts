import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpError, JsonRpcCode, sendJsonRpcError } from '../http-errors.js';
import type { CallQuotas, CallRefusal } from './call-quotas.js';

/** Seconds a refused client is asked to wait: about as long as a short call takes to end. */
const RETRY_AFTER_SECONDS = '5';

/** The `tools/call` requests in a parsed JSON-RPC body, a single message or a batch. */
export function toolCallsIn(body: unknown): number {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.filter(
    (m) =>
      typeof m === 'object' && m !== null && 'id' in m && (m as { method?: unknown }).method === 'tools/call',
  ).length;
}

function callRefusal(reason: CallRefusal): HttpError {
  const headers = { 'Retry-After': RETRY_AFTER_SECONDS };
  return reason === 'call_quota'
    ? new HttpError(
        429,
        JsonRpcCode.ServerError,
        'Too many concurrent tool calls for this client; retry when one has ended',
        reason,
        headers,
      )
    : new HttpError(
        503,
        JsonRpcCode.ServerError,
        'Server busy: concurrent tool call limit reached, retry later',
        reason,
        headers,
      );
}

interface SlotLocals {
  callSlot?: { release: () => void; adopted: boolean };
}

/**
 * Counts every POST that carries `tools/call` against its principal's and the process's call
 * quotas before any tool runs; over either, the request gets 429 or 503 with `Retry-After`.
 * The places are held until the response closes: for a 2026-07-28 call that is when the result
 * has been sent or the client has gone (which cancels it). A session transport whose calls end
 * otherwise takes the places over with `adoptCallSlot` (see pending-requests.ts): on HTTP+SSE
 * `/messages` answers 202 and the result travels on the GET stream, and in a 2025-era session a
 * cancelled call is never answered while its stream may stay open. Mount after authentication
 * and body parsing.
 */
export function callAdmission(quotas: CallQuotas, keyOf: (req: Request) => string): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const calls = req.method === 'POST' ? toolCallsIn(req.body) : 0;
    if (calls === 0) return next();
    const admission = quotas.acquire(keyOf(req), calls);
    if ('refused' in admission) return sendJsonRpcError(res, callRefusal(admission.refused));
    const slot = { release: admission.release, adopted: false };
    (res.locals as SlotLocals).callSlot = slot;
    res.once('close', () => {
      if (!slot.adopted) slot.release();
    });
    next();
  };
}

/**
 * Takes over the call places this request holds, so they no longer go back when its response
 * closes; the caller must release them when the call ends. Undefined when the request holds none
 * (not a call) or they were already taken.
 */
export function adoptCallSlot(res: Response): (() => void) | undefined {
  const slot = (res.locals as SlotLocals).callSlot;
  if (!slot || slot.adopted) return undefined;
  slot.adopted = true;
  return slot.release;
}
