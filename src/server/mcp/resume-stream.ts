import type { Request, Response } from 'express';
import type { SessionEventStore } from '../shared/shared-state.js';

/**
 * Serves `GET` + `Last-Event-ID` for a stream this replica is not writing: its call runs on
 * another replica, or has ended. It sends every event after the id, then each new one as the
 * replica running the call stores it, then the final response, and closes: no gap, no duplicate,
 * no polling (the SDK alone would replay what is stored and close, leaving the client to poll).
 * Events are framed exactly as the SDK frames them, ids included, so a second drop resumes too.
 */
export async function serveResumption(
  req: Request,
  res: Response,
  store: SessionEventStore,
  lastEventId: string,
  keepAliveMs: number,
): Promise<void> {
  const stop = new AbortController();
  res.once('close', () => stop.abort());
  const sessionId = req.headers['mcp-session-id'];
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
    ...(typeof sessionId === 'string' ? { 'mcp-session-id': sessionId } : {}),
  });
  res.flushHeaders();
  // A comment line keeps idle proxies from cutting a stream that waits on a slow call.
  const keepAlive = keepAliveMs > 0 ? setInterval(() => res.write(':\n\n'), keepAliveMs).unref() : undefined;
  try {
    await store.tail(
      lastEventId,
      (eventId, message) => {
        res.write(`event: message\nid: ${eventId}\ndata: ${JSON.stringify(message)}\n\n`);
      },
      stop.signal,
    );
  } catch (error) {
    // The events expired between the id check and the read: the client re-initialises after
    // the stream ends without them, as it would on 404.
    req.log?.warn({ reason: (error as Error).message }, 'resumption ended early');
  } finally {
    clearInterval(keepAlive);
    res.end();
  }
}
