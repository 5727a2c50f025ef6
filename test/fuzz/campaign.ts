/**
 * A fuzz run: `count` cases from one seed, sent with bounded concurrency to the live targets,
 * each judged by the invariants and tallied by status and kind. A failing case is replayed and
 * shrunk by fast-check from the same seed and index, so a report names a small request that
 * `--seed S --replay PATH` sends again.
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { fuzzCase } from './arbitraries.js';
import { type FuzzCase, type HttpRequestCase, SLOT } from './fuzz-case.js';
import { type FuzzResponse, violations } from './invariants.js';
import { sendHttp, sendRaw } from './sender.js';
import type { FuzzTargets } from './targets.js';

/** Cases generated at a time: fast-check walks to a run by index, so each chunk starts where it left off. */
const CHUNK = 1_000;
/** Failures kept for the report (the first of each kind of problem); the run goes on counting the rest. */
const MAX_KEPT = 20;

/** A problem in short, without the details that vary from case to case: `status 500`, `body leaks a stack frame`. */
export function problemKind(problem: string): string {
  return problem.replace(/\s*[:"(].*$/s, '');
}

export interface Outcome {
  response: FuzzResponse;
  problems: string[];
}

export interface Failure extends Outcome {
  index: number;
  kase: FuzzCase;
}

export interface CampaignResult {
  /** status → count. */
  byStatus: Map<string, number>;
  /** kind → status → count. */
  byKind: Map<string, Map<string, number>>;
  failures: Failure[];
  failed: number;
  /** What went wrong, by `problemKind` → how many cases. */
  problems: Map<string, number>;
  elapsedMs: number;
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

function tally(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

export interface CampaignOptions {
  count: number;
  seed: number;
  concurrency: number;
  /** Called every 1,000 cases. */
  onProgress?: (done: number) => void;
}

export async function runCampaign(targets: FuzzTargets, options: CampaignOptions): Promise<CampaignResult> {
  const started = performance.now();
  const result: CampaignResult = {
    byStatus: new Map(),
    byKind: new Map(),
    problems: new Map(),
    failures: [],
    failed: 0,
    elapsedMs: 0,
  };
  let chunkStart = 0;
  let chunk: FuzzCase[] = [];
  const caseAt = (index: number): FuzzCase => {
    if (index >= chunkStart + chunk.length) {
      chunkStart = index;
      chunk = fc.sample(fuzzCase, {
        seed: options.seed,
        path: String(index),
        numRuns: Math.min(CHUNK, options.count - index),
      });
    }
    return chunk[index - chunkStart] as FuzzCase;
  };
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < options.count) {
      const index = next++;
      const kase = caseAt(index);
      const outcome = await runCase(targets, kase);
      const status = String(outcome.response.status);
      tally(result.byStatus, status);
      const kind = result.byKind.get(kase.kind) ?? new Map<string, number>();
      result.byKind.set(kase.kind, kind);
      tally(kind, status);
      const kinds = outcome.problems.map(problemKind);
      const novel = kinds.some((k) => !result.problems.has(k));
      for (const k of kinds) tally(result.problems, k);
      if (outcome.problems.length > 0) {
        result.failed += 1;
        if (novel && result.failures.length < MAX_KEPT) result.failures.push({ index, kase, ...outcome });
      }
      done += 1;
      if (done % 1_000 === 0) options.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  result.elapsedMs = performance.now() - started;
  return result;
}

export interface Shrunk {
  /** For `--replay`: the case's index, then fast-check's shrink steps. */
  path: string;
  kase: FuzzCase;
  problems: string;
}

/**
 * Replays case `path` of `seed` alone and lets fast-check shrink it, within `timeLimitMs`.
 * Undefined when the case passes alone (it failed only under load, or the server has changed).
 */
export async function shrink(
  targets: FuzzTargets,
  seed: number,
  path: string,
  timeLimitMs: number,
): Promise<Shrunk | undefined> {
  const details = await fc.check(
    fc.asyncProperty(fuzzCase, async (kase) => {
      const { problems } = await runCase(targets, kase);
      if (problems.length > 0) throw new Error(problems.join('; '));
    }),
    { seed, path, numRuns: 1, plugins: [fc.interruptAfterTimeLimit(timeLimitMs)] },
  );
  // fc.check types its counterexample loosely; the property above takes one FuzzCase.
  const kase = (details.counterexample as [FuzzCase] | null)?.[0];
  if (!details.failed || kase === undefined) return undefined;
  return {
    path: details.counterexamplePath ?? path,
    kase,
    problems: (details.errorInstance as Error | undefined)?.message ?? String(details.errorInstance),
  };
}

const PREVIEW = 300;

/** A case as a person reads it: the request line, the headers, and the body (or its base64). */
export function describeCase(kase: FuzzCase): string {
  const { request } = kase;
  const lines = [`kind ${kase.kind}, target ${kase.target}`];
  if (request.transport === 'raw') {
    lines.push(`raw bytes (${request.bytes.length}): ${JSON.stringify(request.bytes.slice(0, PREVIEW))}`);
    return lines.join('\n');
  }
  lines.push(`${request.method} ${request.path.slice(0, PREVIEW)}`);
  const filler = request.headers.filter(([name]) => name.startsWith('X-Fuzz-'));
  for (const [name, value] of request.headers) {
    if (!name.startsWith('X-Fuzz-')) lines.push(`${name}: ${value.slice(0, 200)}`);
  }
  if (filler.length > 0) lines.push(`X-Fuzz-0 … X-Fuzz-${filler.length - 1}: v (${filler.length} headers)`);
  if (request.body) {
    const text = Buffer.from(request.body).toString('utf8');
    const printable = !text.includes('\uFFFD');
    const shown = printable ? text : Buffer.from(request.body).toString('base64');
    lines.push(
      '',
      `${printable ? '' : 'base64 '}body (${request.body.length} bytes): ${shown.slice(0, PREVIEW)}`,
    );
  }
  return lines.join('\n');
}
