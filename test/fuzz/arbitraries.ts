/**
 * The hostile requests, as fast-check arbitraries: one per kind of case, and `fuzzCase`, which
 * picks a kind and a target and adds the target's credentials, right or wrong.
 */
import fc from 'fast-check';
import { badEncoding } from './encodings.js';
import {
  ACCEPT_BOTH,
  CASE_KINDS,
  type CaseKind,
  type FuzzCase,
  type Headers,
  type HttpRequestCase,
  legacyMessage,
  modernMessage,
  post,
  postHeaders,
  type RawRequestCase,
  SLOT,
  sometimes,
  utf8,
} from './fuzz-case.js';
import { authHeaders, contentType, headerFuzz, lastEventId, mcpSessionId, token } from './headers.js';
import { batch, deepNesting, idText, message, PROTOCOL_VERSIONS, wrongShape } from './json-rpc.js';
import { rawHttp } from './raw-http.js';

const randomBytes = fc
  .record({
    path: fc.constantFrom('/mcp', '/mcp', `/messages?sessionId=${SLOT.sseSession}`, '/classic/process'),
    type: contentType,
    body: fc.uint8Array({ maxLength: 4_096 }),
  })
  .map(({ path, type, body }) =>
    post(
      path,
      [
        ['Content-Type', type],
        ['Accept', ACCEPT_BOTH],
      ],
      body,
    ),
  );

/** A message of either era cut anywhere: the stream ended, or the client lied about the length. */
const truncatedJson = fc.oneof(
  ...[true, false].map((modern) =>
    fc
      .tuple(message({ modern }), fc.double({ min: 0, max: 1, noNaN: true }))
      .map(([m, at]) =>
        post('/mcp', postHeaders(m, modern), m.text.slice(0, Math.floor(m.text.length * at))),
      ),
  ),
);

const jsonrpcShape = fc
  .tuple(fc.boolean(), wrongShape)
  .map(([modern, text]) => post('/mcp', postHeaders(undefined, modern), text));

const oddId = fc.oneof(
  ...[true, false].map((modern) =>
    message({ modern, id: idText }).map((m) => post('/mcp', postHeaders(m, modern), m.text)),
  ),
);

const batches = fc
  .record({ modern: fc.boolean(), session: fc.boolean(), text: batch(legacyMessage.map((m) => m.text)) })
  .map(({ modern, session, text }) => {
    const headers = postHeaders(undefined, modern);
    if (session) headers.push(['Mcp-Session-Id', SLOT.session]);
    return post('/mcp', headers, text);
  });

const deep = deepNesting.map(({ text, where }) =>
  post(
    '/mcp',
    postHeaders({ text, method: where === 'body' ? undefined : 'tools/call', name: 'process_items' }, true),
    text,
  ),
);

/** Mostly requests a good client sends, so tools run and streams open; now and then any message. */
const modern = fc
  .record({
    m: fc.oneof({ arbitrary: message({ modern: true, wellFormed: true }), weight: 3 }, modernMessage),
    drop: sometimes(fc.constantFrom('MCP-Protocol-Version', 'Mcp-Method', 'Mcp-Name'), 5),
  })
  .map(({ m, drop }) =>
    post(
      '/mcp',
      postHeaders(m, true).filter(([k]) => k !== drop),
      m.text,
    ),
  );

const legacyVersion = fc.oneof(
  { arbitrary: fc.constant('2025-11-25'), weight: 6 },
  fc.constantFrom(...PROTOCOL_VERSIONS, 'nope'),
);
const legacySessionMessage = fc.oneof(
  { arbitrary: message({ modern: false, wellFormed: true }), weight: 3 },
  legacyMessage,
);
const legacy = fc.oneof(
  { arbitrary: legacyMessage.map((m) => post('/mcp', postHeaders(m, false), m.text)), weight: 2 },
  {
    arbitrary: fc
      .record({ m: legacySessionMessage, session: mcpSessionId, version: legacyVersion })
      .map(({ m, session, version }) =>
        post(
          '/mcp',
          [...postHeaders(m, false), ['Mcp-Session-Id', session], ['MCP-Protocol-Version', version]],
          m.text,
        ),
      ),
    weight: 5,
  },
  fc
    .record({
      method: fc.constantFrom('GET', 'DELETE'),
      session: mcpSessionId,
      last: sometimes(lastEventId, 1),
      accept: fc.constantFrom('text/event-stream', ACCEPT_BOTH, 'application/json'),
    })
    .map(({ method, session, last, accept }): HttpRequestCase => {
      const headers: [string, string][] = [
        ['Mcp-Session-Id', session],
        ['MCP-Protocol-Version', '2025-11-25'],
        ['Accept', accept],
      ];
      if (last !== undefined) headers.push(['Last-Event-ID', last]);
      return {
        transport: 'http',
        method,
        path: '/mcp',
        headers,
        body: undefined,
        read: method === 'GET' ? 'head' : 'body',
      };
    }),
);

const sseSessionQuery = fc.oneof(
  { arbitrary: fc.constant(`?sessionId=${SLOT.sseSession}`), weight: 6 },
  fc.uuid().map((u) => `?sessionId=${u}`),
  fc.constantFrom(
    '',
    '?sessionId=',
    `?sessionId=${SLOT.sseSession}&sessionId=x`,
    '?sessionId=%ZZ',
    '?sessionid=x',
    `?sessionId=${'a'.repeat(4_000)}`,
    '?sessionId[]=x',
  ),
);
const httpSse = fc.oneof(
  fc.constantFrom('/sse', '/sse?sessionId=x', '/sse/').map(
    (path): HttpRequestCase => ({
      transport: 'http',
      method: 'GET',
      path,
      headers: [['Accept', 'text/event-stream']],
      body: undefined,
      read: 'head',
    }),
  ),
  {
    arbitrary: fc
      .record({
        query: sseSessionQuery,
        body: fc.oneof(
          { arbitrary: legacyMessage.map((m) => m.text), weight: 4 },
          wrongShape,
          batch(legacyMessage.map((m) => m.text)),
        ),
        type: sometimes(contentType),
      })
      .map(({ query, body, type }) =>
        post(`/messages${query}`, [['Content-Type', type ?? 'application/json']], body),
      ),
    weight: 5,
  },
);

const PATHS = [
  '/mcp',
  '/mcp/',
  '/MCP',
  '/mcp?x=1',
  '/mcp?access_token=x',
  '/sse',
  '/messages',
  '/healthz',
  '/readyz',
  '/metrics',
  '/.well-known/oauth-protected-resource',
  '/.well-known/oauth-protected-resource/mcp',
  '/.well-known/oauth-authorization-server',
  '/classic/process',
  '/',
  '/%2e%2e/etc/passwd',
  '/mcp%00',
  '//mcp',
  '/mcp/../mcp',
  '/mcp;x',
  '/%',
  `/${'a'.repeat(6_000)}`,
];
const wrongMethod = fc
  .record({
    method: fc.oneof(
      fc.constantFrom(
        'GET',
        'POST',
        'PUT',
        'PATCH',
        'DELETE',
        'OPTIONS',
        'HEAD',
        'TRACE',
        'PROPFIND',
        'PURGE',
      ),
      token.map((t) => t.toUpperCase()),
    ),
    path: fc.oneof(fc.constantFrom(...PATHS), fc.stringMatching(/^\/[!-~]{0,40}$/)),
    body: fc.option(modernMessage.map((m) => m.text)),
  })
  .map(({ method, path, body }): HttpRequestCase => {
    const headers: [string, string][] = [['Accept', ACCEPT_BOTH]];
    if (body !== null) headers.push(['Content-Type', 'application/json']);
    // A GET may open a stream that rightly stays open (/sse); a HEAD has no body to read.
    const read = method === 'GET' || method === 'HEAD' ? 'head' : 'body';
    return { transport: 'http', method, path, headers, body: body === null ? undefined : utf8(body), read };
  });

const REQUESTS: Record<CaseKind, fc.Arbitrary<HttpRequestCase | RawRequestCase>> = {
  'random-bytes': randomBytes,
  'truncated-json': truncatedJson,
  'jsonrpc-shape': jsonrpcShape,
  'odd-id': oddId,
  batch: batches,
  'deep-nesting': deep,
  'bad-encoding': badEncoding,
  headers: headerFuzz,
  modern,
  legacy,
  'http-sse': httpSse,
  'wrong-method': wrongMethod,
  'raw-http': rawHttp,
};

/** Credentials go first so a case's own Authorization (raw, header fuzz) comes after and repeats it. */
function withAuth(request: HttpRequestCase, auth: Headers): HttpRequestCase {
  return { ...request, headers: [...auth, ...request.headers] };
}

/**
 * One hostile request: a kind, a target, and the request. Half go to each target, which also
 * shares the load between the two server processes.
 */
export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  ...(['open', 'auth'] as const).flatMap((target) => {
    const auth = authHeaders(target);
    return CASE_KINDS.map((kind) =>
      fc.tuple(REQUESTS[kind], auth).map(
        ([request, credentials]): FuzzCase => ({
          kind,
          target,
          request: request.transport === 'http' ? withAuth(request, credentials) : request,
        }),
      ),
    );
  }),
);
