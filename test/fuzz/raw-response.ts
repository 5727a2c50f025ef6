/**
 * Reads one HTTP/1.1 response out of the bytes a raw socket received, for the requests node:http
 * cannot send. Interim 1xx answers are skipped; the body is framed by Content-Length or chunked
 * encoding, and without either it runs to the end of the connection.
 */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** The body is all there (false: the bytes so far end before the response does). */
  complete: boolean;
}

function dechunk(bytes: Buffer): { body: Buffer; complete: boolean } {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd === -1) return { body: Buffer.concat(parts), complete: false };
    const size = Number.parseInt(bytes.subarray(at, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size)) return { body: Buffer.concat(parts), complete: false };
    const start = lineEnd + 2;
    if (size === 0) return { body: Buffer.concat(parts), complete: bytes.indexOf('\r\n', start) !== -1 };
    parts.push(bytes.subarray(start, Math.min(start + size, bytes.length)));
    if (start + size + 2 > bytes.length) return { body: Buffer.concat(parts), complete: false };
    at = start + size + 2;
  }
}

/** The first final response in `bytes`, or undefined while its head has not fully arrived. */
export function parseRawResponse(bytes: Buffer): RawResponse | undefined {
  let at = 0;
  for (;;) {
    const headEnd = bytes.indexOf('\r\n\r\n', at);
    if (headEnd === -1) return undefined;
    const [statusLine = '', ...lines] = bytes.subarray(at, headEnd).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(statusLine)?.[1]);
    if (!Number.isInteger(status)) return undefined;
    at = headEnd + 4;
    if (status < 200) continue;
    const headers: Record<string, string | string[]> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon === -1) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const seen = headers[name];
      headers[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    const rest = bytes.subarray(at);
    if (String(headers['transfer-encoding'] ?? '').toLowerCase() === 'chunked') {
      return { status, headers, ...dechunk(rest) };
    }
    const length = Number(headers['content-length']);
    if (headers['content-length'] !== undefined && Number.isInteger(length)) {
      return { status, headers, body: rest.subarray(0, length), complete: rest.length >= length };
    }
    return { status, headers, body: rest, complete: status === 204 || status === 304 };
  }
}
