import { once } from 'node:events';
import { isJsonContentType } from '@modelcontextprotocol/server';
import type { Request, Response } from 'express';
import type { z } from 'zod';
import { hasScopes, insufficientScope, TOOLS_SCOPE } from './auth/challenge.js';
import type { BeaconAuthInfo } from './auth/passport.js';
import { HttpError, JsonRpcCode, refusals, sendJsonRpcError } from './http-errors.js';
import type { InflightCalls } from './inflight.js';
import type { Logger } from './observability/logger.js';
import {
  type ItemEvent,
  type ItemStatus,
  processItems,
  processItemsInputSchema,
} from './tools/item-processor.js';

/** Levels an item line carries, chosen as process_items chooses its log level for the item. */
const LEVEL_OF: Record<ItemStatus, 'info' | 'warning' | 'error'> = {
  ok: 'info',
  skipped: 'warning',
  failed: 'error',
};

/** One NDJSON line per item: the measures, plus a level and message a person can read as a log line. */
export function itemLine(event: ItemEvent, total: number) {
  const label = `item ${event.index + 1}/${total}`;
  const why = event.reason === undefined ? '' : ` (${event.reason})`;
  return {
    type: 'item' as const,
    level: LEVEL_OF[event.status],
    message: `${label} "${event.preview}": ${event.status}${why}`,
    done: event.index + 1,
    total,
    index: event.index,
    status: event.status,
    chars: event.chars,
    words: event.words,
    sha256: event.sha256,
    ...(event.reason === undefined ? {} : { reason: event.reason }),
    ms: event.ms,
  };
}

export type Tally = Record<ItemStatus, number>;

/** The last line: what happened overall, in the same terms as process_items' structured result. */
export function summaryLine(tally: Tally, total: number, elapsedMs: number) {
  return {
    type: 'summary' as const,
    processed: tally.ok,
    skipped: tally.skipped,
    failed: tally.failed,
    total,
    elapsedMs: Math.round(elapsedMs),
  };
}

/** `items[3]: every item must be a string`: the field first, so a client can point at it. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
  // The shared schema's messages already open with the top-level field ("items: …"); say it once.
  const top = String(issue.path[0] ?? '');
  const message =
    top && issue.message.startsWith(`${top}: `) ? issue.message.slice(top.length + 2) : issue.message;
  if (field === '' || message.startsWith(`${field} `)) return message;
  return `${field}: ${message}`;
}

export interface ClassicStreamDeps {
  logger: Logger;
  inflight: InflightCalls;
  /** For the step-up challenge; undefined when auth is off. */
  resourceMetadataUrl: string | undefined;
}

function badRequest(message: string): HttpError {
  return new HttpError(400, JsonRpcCode.InvalidParams, message, 'bad_request');
}

/** Writes one line, waiting for the socket to drain if the client reads slowly (or until it leaves). */
async function writeLine(res: Response, line: object, signal: AbortSignal): Promise<void> {
  if (!res.write(`${JSON.stringify(line)}\n`)) await once(res, 'drain', { signal });
}

/**
 * `POST /classic/process` with `{ items, delayMs }`: plain chunked HTTP streaming, for comparison
 * with MCP notifications. It runs the very generator `process_items` runs, under the same input
 * schema, and writes one `application/x-ndjson` line per item as the item finishes, then a summary.
 * There is no protocol: no session, no progress token, no log level, no request id. The client
 * cancels by closing the connection, which aborts the work before the next item starts.
 */
export function classicProcess(deps: ClassicStreamDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    // The same work as a tools/call, so the same scope; the auth layer only sees JSON-RPC methods.
    const auth = (req as Request & { auth?: BeaconAuthInfo }).auth;
    if (auth && !hasScopes(auth.scopes, [TOOLS_SCOPE])) {
      return sendJsonRpcError(res, insufficientScope(deps.resourceMetadataUrl));
    }
    if (!isJsonContentType(req.headers['content-type'])) {
      return sendJsonRpcError(res, refusals.notJson());
    }
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return sendJsonRpcError(
        res,
        badRequest('Request body must be a JSON object: { "items": [...], "delayMs": 250 }'),
      );
    }
    const parsed = processItemsInputSchema.safeParse(body);
    if (!parsed.success) {
      const [issue] = parsed.error.issues;
      return sendJsonRpcError(res, badRequest(issue ? describeIssue(issue) : 'Invalid input'));
    }
    const { items, delayMs } = parsed.data;

    const controller = new AbortController();
    const { signal } = controller;
    // A response that closes before it finished means the client went away: stop the work.
    res.once('close', () => {
      if (!res.writableFinished) controller.abort(new Error('client disconnected'));
    });
    res.status(200).set({
      'Content-Type': 'application/x-ndjson; charset=utf-8',
      'Cache-Control': 'no-store, no-transform',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();

    const log = deps.logger.child({ route: '/classic/process' });
    const started = performance.now();
    const tally: Tally = { ok: 0, skipped: 0, failed: 0 };
    let done = 0;
    let outcome: 'ok' | 'cancelled' | 'error' = 'ok';
    const end = deps.inflight.begin();
    log.info({ items: items.length }, 'classic stream started');
    try {
      for await (const event of processItems(items, { delayMs, signal })) {
        done += 1;
        tally[event.status] += 1;
        await writeLine(res, itemLine(event, items.length), signal);
      }
      await writeLine(res, summaryLine(tally, items.length, performance.now() - started), signal);
      res.end();
    } catch (error) {
      if (signal.aborted) {
        outcome = 'cancelled';
      } else {
        outcome = 'error';
        log.error({ err: error }, 'classic stream failed');
        // The status line is long gone; the stream's last line says what happened.
        res.end(`${JSON.stringify({ type: 'error', message: 'internal error' })}\n`);
      }
    } finally {
      end();
      log.info(
        {
          items: items.length,
          items_processed: done,
          outcome,
          duration_ms: Math.round(performance.now() - started),
        },
        'classic stream ended',
      );
    }
  };
}
