/**
 * One case against its live target: the slots filled (a session leased for it), the request sent,
 * and the answer judged by the invariants, with what the request itself said to tell echoes apart.
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { type FuzzCase, type HttpRequestCase, SLOT } from './fuzz-case.js';
import { type FuzzResponse, violations } from './invariants.js';
import { sendHttp, sendRaw } from './sender.js';
import type { FuzzTargets } from './targets.js';

export interface Outcome {
  response: FuzzResponse;
  problems: string[];
}

const DECODERS: Record<string, (body: Buffer, options: { maxOutputLength: number }) => Buffer> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

/**
 * The request's text as the server could read it, to tell an echo from a leak: the path, the
 * headers and the body, decoded as its Content-Encoding and charset say when they do.
 */
function readableText(kase: FuzzCase): string {
  const { request } = kase;
  if (request.transport === 'raw') return request.bytes;
  const parts = [request.path, ...request.headers.flat()];
  if (request.body) {
    const body = Buffer.from(request.body);
    parts.push(body.toString('utf8'));
    const header = (name: string) =>
      request.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v.toLowerCase());
    if (header('content-type').some((v) => v.includes('utf-16'))) parts.push(body.toString('utf16le'));
    for (const coding of header('content-encoding').flatMap((v) => v.split(','))) {
      const decode = DECODERS[coding.trim()];
      if (!decode) continue;
      try {
        parts.push(decode(body, { maxOutputLength: 4 << 20 }).toString('utf8'));
      } catch {}
    }
  }
  return parts.join('\n');
}

/**
 * Node's default limit on a request's head. Past it Node answers 431 and destroys the socket, and
 * the reset can reach the client before the answer does: a hang-up is then an answer too.
 */
const NODE_MAX_HEADER_BYTES = 16 * 1024;

function headBytes(request: HttpRequestCase): number {
  return request.headers.reduce(
    (sum, [name, value]) => sum + name.length + value.length + 4,
    request.path.length,
  );
}

/** An outcome that is the harness's failure, not the server's: reported all the same, so it gets fixed. */
function harnessFailure(what: string, error: unknown): Outcome {
  const response: FuzzResponse = { status: 'closed', headers: {}, body: '', elapsedMs: 0 };
  return { response, problems: [`${what}: ${(error as Error).message}`] };
}

/** Fills the slots with the target's live values, sends the case, and judges the answer. */
export async function runCase(targets: FuzzTargets, kase: FuzzCase): Promise<Outcome> {
  const target = targets[kase.target];
  const { request } = kase;
  const where =
    request.transport === 'raw' ? request.bytes : request.path + request.headers.flat().join('\n');
  let session: string | undefined;
  const slots = { ...target.slots };
  try {
    if (where.includes(SLOT.session)) {
      session = await target.sessions.lease();
      slots[SLOT.session] = session;
    }
    if (where.includes(SLOT.sseSession)) slots[SLOT.sseSession] = await target.sse.id();
  } catch (error) {
    return harnessFailure('a live session could not be opened', error);
  }
  const fill = (text: string) =>
    Object.entries(slots).reduce((acc, [slot, value]) => acc.replaceAll(slot, value), text);
  let response: FuzzResponse;
  try {
    response =
      request.transport === 'raw'
        ? await sendRaw(target.beacon.port, Buffer.from(fill(request.bytes), 'latin1'))
        : await sendHttp(target.agent, target.beacon.port, {
            ...request,
            path: fill(request.path),
            headers: request.headers.map(([name, value]) => [name, fill(value)] as const),
          });
  } catch (error) {
    if (session !== undefined) target.sessions.release(session, false);
    return harnessFailure('the case could not be sent', error);
  }
  if (session !== undefined) {
    const deleted = request.transport === 'http' && request.method === 'DELETE' && response.status === 200;
    target.sessions.release(session, deleted);
  }
  const problems = violations(response, {
    requestText: fill(readableText(kase)),
    privatePaths: targets.privatePaths,
    closeAllowed: request.transport === 'raw' || headBytes(request) > NODE_MAX_HEADER_BYTES,
  });
  return { response, problems };
}
