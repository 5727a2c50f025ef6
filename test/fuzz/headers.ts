/** Arbitraries for request headers: values node:http will send, credentials, and every MCP header made wrong. */
import fc from 'fast-check';
import {
  ACCEPT_BOTH,
  anyEraPost,
  type Headers,
  type HttpRequestCase,
  SLOT,
  sometimes,
  type Target,
  utf8,
} from './fuzz-case.js';
import { PROTOCOL_VERSIONS } from './json-rpc.js';

/** A header value node:http will send: visible ASCII, tab, and Latin-1. */
export const headerValue = fc.string({
  unit: fc
    .oneof(
      { arbitrary: fc.integer({ min: 0x20, max: 0x7e }), weight: 8 },
      fc.integer({ min: 0x80, max: 0xff }),
      fc.constant(9),
    )
    .map((c) => String.fromCharCode(c)),
  maxLength: 60,
});
export const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,24}$/);
/** Headers that decide HTTP framing stay out of the node:http cases: they would corrupt the keep-alive socket. */
const FRAMING = /^(content-length|transfer-encoding|connection|upgrade|expect|keep-alive|te|trailer|host)$/i;

export const mcpSessionId = fc.oneof(
  { arbitrary: fc.constant(SLOT.session), weight: 6 },
  fc.uuid(),
  fc.constantFrom(
    '',
    ' ',
    '../../etc',
    `${SLOT.session} `,
    `${SLOT.session},${SLOT.session}`,
    'x'.repeat(8_000),
  ),
  headerValue,
);
export const lastEventId = fc.oneof(
  fc.constantFrom('1._GET_stream', '0.x', '1.', '.', '99999999999999999999.a', '-1.a', ''),
  headerValue,
);

/** Credentials as a client may send them, right or wrong, for the target. */
export function authHeaders(target: Target): fc.Arbitrary<Headers> {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const forgedJwt = fc
    .tuple(
      fc.oneof(
        fc.constantFrom(
          { alg: 'none' },
          { alg: 'HS256' },
          { alg: 'RS256', kid: 'x' },
          { alg: 'ES256', jku: 'http://127.0.0.1:1/' },
        ),
        fc.jsonValue({ maxDepth: 2 }),
      ),
      fc.jsonValue({ maxDepth: 2 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{0,90}$/),
    )
    .map(([header, payload, signature]) => `${b64(header)}.${b64(payload)}.${signature}`);
  const garbage: fc.Arbitrary<Headers> = fc.oneof(
    fc
      .constantFrom(
        'Bearer',
        'Bearer ',
        'bearer {{key}}',
        'Bearer {{key}}x',
        'Bearer  {{key}}  ',
        'Bearer {{key}} {{key}}',
        'Basic Zm9vOmJhcg==',
        'Bearer a.b.c',
        'Bearer ....',
        `Bearer ${'A'.repeat(10_000)}`,
      )
      .map((v): Headers => [['Authorization', v]]),
    forgedJwt.map((t): Headers => [['Authorization', `Bearer ${t}`]]),
    headerValue.map((v): Headers => [['Authorization', v]]),
    fc.constantFrom<Headers>(
      [['X-API-Key', '']],
      [['X-API-Key', 'bk_nope']],
      [['X-API-Key', `${SLOT.key}\t`]],
      [
        ['X-API-Key', SLOT.listKey],
        ['Authorization', `Bearer ${SLOT.key}`],
      ],
      [
        ['Authorization', `Bearer ${SLOT.key}`],
        ['Authorization', `Bearer ${SLOT.key}`],
      ],
    ),
  );
  if (target === 'open') {
    return fc.oneof({ arbitrary: fc.constant<Headers>([]), weight: 9 }, garbage);
  }
  return fc.oneof(
    { arbitrary: fc.constant<Headers>([['Authorization', `Bearer ${SLOT.key}`]]), weight: 10 },
    { arbitrary: fc.constant<Headers>([['X-API-Key', SLOT.key]]), weight: 2 },
    { arbitrary: fc.constant<Headers>([['Authorization', `Bearer ${SLOT.jwt}`]]), weight: 2 },
    fc.constant<Headers>([['Authorization', `Bearer ${SLOT.listKey}`]]),
    fc.constant<Headers>([]),
    { arbitrary: garbage, weight: 5 },
  );
}

export const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'APPLICATION/JSON;charset=UTF-8',
    'application/json-rpc',
    'application/vnd.api+json',
    'text/plain',
    'text/json',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=----x',
    'application/json; charset=bogus',
    'application/json; charset=utf-16',
    'application/json; boundary="',
    'application/',
    ';;;',
    '',
  ),
  headerValue,
);

/** A header's fate in a header-fuzz case: kept as a good client sends it (`undefined`), left out (`null`), or replaced. */
function fate(variants: fc.Arbitrary<string>, keepWeight = 3): fc.Arbitrary<string | null | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: keepWeight }, fc.constant(null), {
    arbitrary: variants,
    weight: 2,
  });
}

const ACCEPTS = [
  ACCEPT_BOTH,
  'application/json',
  'text/event-stream',
  '*/*',
  'text/html',
  '',
  'application/json;q=0, text/event-stream;q=0',
  'APPLICATION/JSON, TEXT/EVENT-STREAM',
];
const ORIGINS = [
  'null',
  'http://localhost',
  'http://127.0.0.1:1',
  'https://evil.example',
  'http://localhost.evil.example',
  'file://',
  '*',
  '',
  'http://[::1]',
  'http://LOCALHOST',
];
const HOSTS = [
  'localhost',
  'localhost:1',
  '127.0.0.1',
  '[::1]:80',
  'evil.example',
  '',
  '127.0.0.1:99999',
  '127.0.0.1.evil.example',
  '::1',
  '[::1',
  'user@127.0.0.1',
  'x'.repeat(2_000),
];
/** Headers some layer of the server reads (trace context, request id, proxies) or that a client may send anyway. */
const OTHER_NAMES = [
  'traceparent',
  'tracestate',
  'X-Request-Id',
  'X-Forwarded-For',
  'X-Forwarded-Proto',
  'Forwarded',
  'Cookie',
  'Accept-Encoding',
  'Range',
  'X-HTTP-Method-Override',
  'Content-Encoding',
  'Accept-Charset',
  'If-None-Match',
  'Cache-Control',
];
const OTHER_VALUES = [
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  'ff-0-0-0',
  'GET',
  'gzip',
  'bytes=0-1',
];

/** Every header a request may carry, each kept, left out, or made wrong. */
export const headerFuzz = fc
  .record({
    base: anyEraPost,
    method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'DELETE'),
    accept: fate(fc.oneof(fc.constantFrom(...ACCEPTS), headerValue)),
    contentType: fate(contentType),
    version: fate(
      fc.oneof(
        fc.constantFrom(...PROTOCOL_VERSIONS, '', '2026-07-28, 2026-07-28', '9999-99-99'),
        headerValue,
      ),
    ),
    mcpMethod: fate(fc.oneof(fc.constantFrom('tools/call', 'tools/list', ''), headerValue)),
    mcpName: fate(
      fc.oneof(
        fc.constantFrom('process_items', '', '=?base64?cHJvY2Vzc19pdGVtcw==?=', '=?base64?!!?='),
        headerValue,
      ),
    ),
    session: sometimes(mcpSessionId, 2),
    lastEventId: sometimes(lastEventId),
    origin: sometimes(fc.oneof(fc.constantFrom(...ORIGINS), headerValue), 2),
    host: sometimes(fc.oneof(fc.constantFrom(...HOSTS), headerValue)),
    extra: fc.array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...OTHER_NAMES), token),
        fc.oneof(fc.constantFrom(...OTHER_VALUES), headerValue),
      ),
      { maxLength: 6 },
    ),
    many: sometimes(fc.integer({ min: 50, max: 400 }), 9),
  })
  .map((f): HttpRequestCase => {
    const good = new Map(f.base.headers);
    const headers: [string, string][] = [];
    const put = (name: string, value: string | null | undefined) => {
      const sent = value === undefined ? good.get(name) : value;
      if (sent !== undefined && sent !== null) headers.push([name, sent]);
    };
    put('Accept', f.accept);
    put('Content-Type', f.contentType);
    put('MCP-Protocol-Version', f.version);
    put('Mcp-Method', f.mcpMethod);
    put('Mcp-Name', f.mcpName);
    put('Mcp-Session-Id', f.session);
    put('Last-Event-ID', f.lastEventId);
    put('Origin', f.origin);
    put('Host', f.host);
    headers.push(...f.extra.filter(([name]) => !FRAMING.test(name)));
    for (let i = 0; i < (f.many ?? 0); i++) headers.push([`X-Fuzz-${i}`, 'v']);
    const hasBody = f.method === 'POST';
    return {
      transport: 'http',
      method: f.method,
      path: '/mcp',
      headers,
      body: hasBody ? utf8(f.base.m.text) : undefined,
      read: hasBody ? 'body' : 'head',
    };
  });
