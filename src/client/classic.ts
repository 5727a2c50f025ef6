import type { FetchLike } from '@modelcontextprotocol/client';
import type { ClientAuth } from './auth.js';
import { EXIT, type ExitCode } from './errors.js';
import type { Renderer } from './render.js';
import { fetchTrustingCa } from './tls-fetch.js';

/** The plain streaming endpoint sits at a fixed path beside the MCP endpoint, on the same origin. */
export function classicUrlOf(mcpUrl: URL): URL {
  return new URL('/classic/process', mcpUrl.origin);
}

interface ItemLine {
  type: 'item';
  level: string;
  message: string;
  done: number;
  total: number;
  status: string;
}
interface SummaryLine {
  type: 'summary';
  processed: number;
  skipped: number;
  failed: number;
  total: number;
}

/** What one NDJSON line from /classic/process means for the output. */
export type ClassicEvent =
  | { kind: 'item'; line: ItemLine }
  | { kind: 'summary'; line: SummaryLine; text: string }
  | { kind: 'error'; message: string };

/** Parses one line; anything not understood is an error event, so a broken stream is never silent. */
export function classicEventOf(text: string): ClassicEvent {
  let line: Record<string, unknown>;
  try {
    line = JSON.parse(text);
  } catch {
    return { kind: 'error', message: `unreadable line from the server: ${text.slice(0, 80)}` };
  }
  if (line.type === 'item' && typeof line.message === 'string' && typeof line.done === 'number') {
    return { kind: 'item', line: line as unknown as ItemLine };
  }
  if (line.type === 'summary' && typeof line.total === 'number') {
    const summary = line as unknown as SummaryLine;
    const s = summary.total === 1 ? '' : 's';
    const text = `Processed ${summary.total} item${s}: ${summary.processed} ok, ${summary.skipped} skipped, ${summary.failed} failed.`;
    return { kind: 'summary', line: summary, text };
  }
  const message = typeof line.message === 'string' ? line.message : `unexpected line: ${text.slice(0, 80)}`;
  return { kind: 'error', message: `server reported: ${message}` };
}

/** A refusal before any line: the JSON-RPC error body's message, and the exit code its status means. */
export function classicRefusal(
  status: number,
  bodyText: string,
  url: URL,
): { exitCode: ExitCode; message: string } {
  let detail = '';
  try {
    const message = (JSON.parse(bodyText) as { error?: { message?: unknown } }).error?.message;
    if (typeof message === 'string') detail = `: ${message}`;
  } catch {}
  if (status === 401 || status === 403) {
    return {
      exitCode: EXIT.auth,
      message: `${url.origin} refused the credentials (HTTP ${status})${detail}`,
    };
  }
  if (status === 400)
    return { exitCode: EXIT.failed, message: `the server refused the input (HTTP 400)${detail}` };
  return { exitCode: EXIT.failed, message: `server answered HTTP ${status} for ${url.href}${detail}` };
}

export interface ClassicRequest {
  mcpUrl: URL;
  auth: ClientAuth;
  headers: Array<[string, string]>;
  caPem: string | undefined;
  /** `{ items, delayMs }`, as process_items would get them. */
  body: Record<string, unknown>;
  signal: AbortSignal;
}

function authorization(auth: ClientAuth): Record<string, string> {
  if (auth.kind === 'api-key') return { Authorization: `Bearer ${auth.key}` };
  if (auth.kind === 'bearer') return { Authorization: `Bearer ${auth.token}` };
  return {};
}

/** Yields each complete line of a streamed body the moment its newline arrives. */
async function* linesOf(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    for (let newline = buffer.indexOf('\n'); newline !== -1; newline = buffer.indexOf('\n')) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.trim() !== '') yield line;
    }
  }
  if (buffer.trim() !== '') yield buffer;
}

/**
 * `beacon call --classic`: POSTs the items to /classic/process and prints every line as it
 * arrives, through the same renderer as MCP notifications (a log line and a progress line per
 * item, the summary as the result), so the two kinds of streaming can be read side by side.
 * Ctrl-C closes the connection, which is the only way plain HTTP has to say "stop".
 * Network failures before the response are thrown for the caller to classify.
 */
export async function callClassic(
  request: ClassicRequest,
  renderer: Renderer,
  onProgress: () => void,
): Promise<number> {
  const url = classicUrlOf(request.mcpUrl);
  const doFetch: FetchLike = request.caPem !== undefined ? await fetchTrustingCa(request.caPem) : fetch;
  const res = await doFetch(url, {
    method: 'POST',
    headers: {
      ...Object.fromEntries(request.headers),
      ...authorization(request.auth),
      'Content-Type': 'application/json',
      Accept: 'application/x-ndjson',
    },
    body: JSON.stringify(request.body),
    signal: request.signal,
  });
  if (res.status !== 200 || !res.body) {
    const refusal = classicRefusal(res.status, await res.text(), url);
    renderer.error(refusal.message);
    return refusal.exitCode;
  }
  renderer.connected({ url: url.href, era: 'classic', protocolVersion: 'application/x-ndjson' });
  try {
    for await (const text of linesOf(res.body)) {
      const event = classicEventOf(text);
      if (event.kind === 'error') {
        renderer.error(event.message);
        return EXIT.failed;
      }
      if (event.kind === 'summary') {
        renderer.result({
          isError: false,
          content: [{ type: 'text', text: event.text }],
          structuredContent: event.line,
        });
        return EXIT.ok;
      }
      const { line } = event;
      renderer.log({ level: line.level, data: line.message });
      onProgress();
      renderer.progress({
        progress: line.done,
        total: line.total,
        message: `item ${line.done}/${line.total} ${line.status}`,
      });
    }
  } catch (error) {
    if (request.signal.aborted) throw error;
  }
  renderer.error('the stream ended before the summary line');
  return EXIT.connection;
}
