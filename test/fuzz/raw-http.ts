import fc from 'fast-check';
import { ACCEPT_BOTH, modernMessage, type RawRequestCase, SLOT } from './fuzz-case.js';
import { token } from './headers.js';
import { MODERN_VERSION } from './json-rpc.js';

/** Requests node:http will not write: bad request lines, conflicting lengths, broken chunks, bad characters. */
export const rawHttp = fc
  .record({
    method: fc.oneof(
      fc.constantFrom('POST', 'GET', 'post', 'PRI', 'CONNECT', 'OPTIONS', 'DELETE'),
      token,
      fc.string({ unit: 'binary-ascii', maxLength: 8 }),
    ),
    target: fc.oneof(
      {
        arbitrary: fc.constantFrom(
          '/mcp',
          '*',
          `http://${SLOT.host}/mcp`,
          '//mcp',
          '/mcp#x',
          '/healthz',
          '/%00',
          'mcp',
          '/ mcp',
          '/mcp\u0000',
        ),
        weight: 4,
      },
      fc.string({ unit: 'binary-ascii', maxLength: 30 }),
    ),
    version: fc.constantFrom(
      'HTTP/1.1',
      'HTTP/1.1',
      'HTTP/1.1',
      'HTTP/1.0',
      'HTTP/2.0',
      'HTTP/0.9',
      'HTTP/1.2',
      'http/1.1',
      '',
    ),
    eol: fc.constantFrom('\r\n', '\r\n', '\r\n', '\n', '\r'),
    framing: fc.constantFrom(
      'length',
      'length',
      'chunked',
      'none',
      'short',
      'long',
      'length-and-chunked',
      'two-lengths',
      'bad-chunk',
      'odd-te',
      'negative',
    ),
    body: fc.oneof(
      modernMessage.map((m) => m.text),
      fc.string({ unit: 'binary-ascii', maxLength: 200 }),
    ),
    extra: fc.array(
      fc.oneof(
        fc.tuple(token, fc.string({ unit: 'binary-ascii', maxLength: 40 })).map(([k, v]) => `${k}: ${v}`),
        fc.constantFrom(
          'Host : x',
          'NoColon',
          ' folded: yes',
          'X-A: b\r\n continued',
          `Host: ${SLOT.host}`,
          'Host: evil.example',
          ': empty',
          'X-\u0000: y',
          `X-Big: ${'b'.repeat(20_000)}`,
        ),
      ),
      { maxLength: 4 },
    ),
    auth: fc.constantFrom(`Authorization: Bearer ${SLOT.key}`, ''),
    pipelined: fc.boolean(),
  })
  .map((r): RawRequestCase => {
    const body = r.body;
    const length = Buffer.byteLength(body, 'latin1');
    const chunked = `${length.toString(16)}${r.eol}${body}${r.eol}0${r.eol}${r.eol}`;
    const framing: Record<string, [string[], string]> = {
      length: [[`Content-Length: ${length}`], body],
      chunked: [['Transfer-Encoding: chunked'], chunked],
      none: [[], body],
      short: [[`Content-Length: ${Math.max(0, length - 5)}`], body],
      long: [[`Content-Length: ${length + 50}`], body],
      'length-and-chunked': [[`Content-Length: ${length}`, 'Transfer-Encoding: chunked'], chunked],
      'two-lengths': [[`Content-Length: ${length}`, `Content-Length: ${length + 1}`], body],
      'bad-chunk': [['Transfer-Encoding: chunked'], `zz${r.eol}${body}${r.eol}fffffffffffffffff${r.eol}`],
      'odd-te': [['Transfer-Encoding: gzip, chunked'], chunked],
      negative: [['Content-Length: -1'], body],
    };
    const [framingHeaders, payload] = framing[r.framing] ?? [[], body];
    const head = [
      `${r.method} ${r.target} ${r.version}`.trimEnd(),
      `Host: ${SLOT.host}`,
      'Content-Type: application/json',
      `Accept: ${ACCEPT_BOTH}`,
      `MCP-Protocol-Version: ${MODERN_VERSION}`,
      ...(r.auth ? [r.auth] : []),
      ...framingHeaders,
      ...r.extra,
    ];
    const request = `${head.join(r.eol)}${r.eol}${r.eol}${payload}`;
    return { transport: 'raw', bytes: r.pipelined ? request + request : request };
  });
