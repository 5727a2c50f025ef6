/**
 * Arbitraries for what travels in a request body: JSON-RPC messages of both eras, true and false
 * to their shape, with ids from the plain to the absurd, in batches, nested deep, or cut short.
 * Everything comes out as JSON text, so an id can be written as no JSON.stringify would (`1e400`, `-0`).
 */
import fc from 'fast-check';

export const MODERN_VERSION = '2026-07-28';
export const PROTOCOL_VERSIONS = ['2026-07-28', '2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];

export const METHODS = [
  'server/discover',
  'tools/list',
  'tools/call',
  'ping',
  'initialize',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'logging/setLevel',
  'resources/list',
  'resources/read',
  'prompts/get',
  'completion/complete',
  'subscriptions/listen',
  'sampling/createMessage',
  'rpc.discover',
] as const;

const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** Marks where the id goes in a message, so its JSON text can be written verbatim. */
const ID_SENTINEL = '@@fuzz-id@@';

export const shortText = fc.string({ unit: 'binary', maxLength: 24 });
/** Ten-odd KiB of one letter: a long value costs little to generate. */
export const longText = fc.integer({ min: 1_000, max: 12_000 }).map((n) => 'x'.repeat(n));
const anyJson = fc.jsonValue({ maxDepth: 3 });

/** An id as JSON text: mostly ordinary, else floats, huge numbers, objects, 10 KB strings, bad JSON. */
export const idText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.nat(1_000_000).map(String), weight: 6 },
  { arbitrary: fc.uuid().map((u) => JSON.stringify(u)), weight: 2 },
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom(
    '-0',
    '1e400',
    '-1e400',
    '1.0',
    '1E2',
    '9007199254740993',
    '123456789012345678901234567890',
    '0.1e-400',
    'null',
    'true',
    '[]',
    '{}',
    '{"a":1}',
    '""',
    '"\\ud800"',
    '"\\u0000"',
    '00',
    '+1',
    'NaN',
  ),
  shortText.map((s) => JSON.stringify(s)),
  longText.map((s) => JSON.stringify(s)),
  anyJson.map((v) => JSON.stringify(v)),
);

/** A progress token the notifier will echo back: sometimes a fine one, sometimes not. */
const progressToken = fc.oneof(
  { arbitrary: fc.nat(), weight: 4 },
  { arbitrary: shortText, weight: 2 },
  fc.double(),
  longText,
  anyJson,
);

const itemText = fc.oneof(
  { arbitrary: shortText, weight: 5 },
  fc.constantFrom('', ' ', '\u0000', 'fail', 'x'.repeat(65_537)),
  longText,
);

/** process_items arguments: at most three items and delayMs 0 or invalid, so a call ends at once. */
const processArgs = fc.record({
  items: fc.oneof(
    { arbitrary: fc.array(itemText, { minLength: 1, maxLength: 3 }), weight: 4 },
    fc.constantFrom([], null, 'a', [1, 2], [[]], { 0: 'a' }),
    anyJson,
  ),
  delayMs: fc.constantFrom<unknown>(0, 0, 0, 1, -1, 0.5, 10_001, '0', null, 1e308, []),
});

const dataPath = fc.oneof(
  fc.constantFrom(
    'README.md',
    'field-notes/storm-watch.md',
    'lighthouses.json',
    'field-notes',
    '.',
    '..',
    '../package.json',
    '/etc/passwd',
    'a\u0000b',
    'C:\\Windows\\win.ini',
    '\\\\server\\share\\x',
    '%2e%2e/%2e%2e/etc/passwd',
    'nonexistent.txt',
    'README.md/',
    '~/x',
    'x'.repeat(5_000),
  ),
  shortText,
);
const analyzeArgs = fc.record(
  {
    paths: fc.oneof(fc.array(dataPath, { maxLength: 3 }), anyJson),
    delayMs: fc.constantFrom<unknown>(0, -1, 'x', 1.5),
  },
  { requiredKeys: [] },
);

const toolCallParams = fc.oneof(
  { arbitrary: fc.record({ name: fc.constant('process_items'), arguments: processArgs }), weight: 4 },
  fc.record({ name: fc.constant('analyze_documents'), arguments: analyzeArgs }),
  fc.record(
    { name: fc.oneof(shortText, fc.constantFrom('', 'PROCESS_ITEMS')), arguments: anyJson },
    { requiredKeys: [] },
  ),
);

const initializeParams = fc.record(
  {
    protocolVersion: fc.oneof(fc.constantFrom(...PROTOCOL_VERSIONS), shortText, anyJson),
    capabilities: fc.oneof(fc.constant({}), anyJson),
    clientInfo: fc.oneof(fc.constant({ name: 'fuzz', version: '1.0.0' }), anyJson),
  },
  { requiredKeys: [] },
);

const FITTING_PARAMS = new Map<string, fc.Arbitrary<unknown>>([
  ['tools/call', toolCallParams],
  ['initialize', initializeParams],
  ['logging/setLevel', fc.record({ level: fc.oneof(fc.constantFrom(...LOG_LEVELS), shortText) })],
  ['notifications/cancelled', fc.record({ requestId: fc.oneof(fc.nat(), shortText), reason: shortText })],
  ['notifications/progress', fc.record({ progressToken, progress: fc.double() })],
]);

/** `params` fitting the method most of the time (a Map: method names include `constructor`). */
function paramsFor(method: string, wellFormed = false): fc.Arbitrary<unknown> {
  const fitting = FITTING_PARAMS.get(method) ?? fc.constant({});
  if (wellFormed) return fitting;
  return fc.oneof(
    { arbitrary: fitting, weight: 8 },
    fc.constantFrom(undefined, null, [], 'params', 0),
    anyJson,
  );
}

const WELL_FORMED_WEIGHTS = new Map([
  ['tools/call', 12],
  ['tools/list', 3],
  ['server/discover', 3],
  ['initialize', 2],
]);

export interface Message {
  /** The JSON text. */
  text: string;
  method: string | undefined;
  /** `params.name`, what a 2026-07-28 client mirrors in `Mcp-Name`. */
  name: string | undefined;
}

interface MessageOptions {
  /** A 2026-07-28 request carries its version and client facts in `params._meta`. */
  modern: boolean;
  /** The id's JSON text; plain numbers and strings unless a case asks for odd ones. */
  id?: fc.Arbitrary<string>;
  /**
   * Only known methods, params that fit them and a valid `_meta`, so the request reaches the
   * handler and the tools; what is wrong, if anything, is then deeper (a tool's arguments).
   */
  wellFormed?: boolean;
}

const plainId = fc.oneof(
  fc.nat(1_000_000).map(String),
  fc.uuid().map((u) => JSON.stringify(u)),
);

const modernMeta = fc.record(
  {
    'io.modelcontextprotocol/protocolVersion': fc.oneof(
      { arbitrary: fc.constant(MODERN_VERSION), weight: 8 },
      fc.constantFrom(...PROTOCOL_VERSIONS),
      anyJson,
    ),
    'io.modelcontextprotocol/clientCapabilities': fc.oneof(
      { arbitrary: fc.constant({}), weight: 8 },
      anyJson,
    ),
    'io.modelcontextprotocol/clientInfo': fc.constant({ name: 'fuzz', version: '1.0.0' }),
    'io.modelcontextprotocol/logLevel': fc.oneof(
      { arbitrary: fc.constantFrom(...LOG_LEVELS), weight: 4 },
      shortText,
    ),
    progressToken,
  },
  { requiredKeys: ['io.modelcontextprotocol/protocolVersion', 'io.modelcontextprotocol/clientInfo'] },
);

/** `_meta` as the SDK client writes it, with a log level and progress token now and then. */
const wellFormedMeta = fc.record(
  {
    'io.modelcontextprotocol/protocolVersion': fc.constant(MODERN_VERSION),
    'io.modelcontextprotocol/clientCapabilities': fc.constant({}),
    'io.modelcontextprotocol/clientInfo': fc.constant({ name: 'fuzz', version: '1.0.0' }),
    'io.modelcontextprotocol/logLevel': fc.constantFrom(...LOG_LEVELS),
    progressToken: fc.oneof(fc.nat(), fc.uuid()),
  },
  {
    requiredKeys: [
      'io.modelcontextprotocol/protocolVersion',
      'io.modelcontextprotocol/clientCapabilities',
      'io.modelcontextprotocol/clientInfo',
    ],
  },
);

function withId(value: object, id: string | undefined): string {
  const text = JSON.stringify(value);
  return id === undefined ? text : text.replace(JSON.stringify(ID_SENTINEL), id);
}

/** Messages for one method (or one arbitrary of odd method names), with the params that fit it. */
function messagesOf(method: fc.Arbitrary<string>, params: fc.Arbitrary<unknown>, options: MessageOptions) {
  return fc
    .record({
      method,
      params,
      meta: options.modern ? (options.wellFormed ? wellFormedMeta : modernMeta) : fc.constant(undefined),
      id: fc.option(options.id ?? plainId, { freq: 10, nil: undefined }),
    })
    .map(({ method: name, params: p, meta, id }): Message => {
      const body: Record<string, unknown> = { jsonrpc: '2.0' };
      if (id !== undefined) body.id = ID_SENTINEL;
      body.method = name;
      const isObject = p === undefined || (typeof p === 'object' && p !== null && !Array.isArray(p));
      const withMeta = meta !== undefined && isObject ? { ...(p as object | undefined), _meta: meta } : p;
      if (withMeta !== undefined) body.params = withMeta;
      const toolName = (p as { name?: unknown } | undefined)?.name;
      return {
        text: withId(body, id),
        method: name,
        name: typeof toolName === 'string' ? toolName : undefined,
      };
    });
}

/**
 * A request (or, a tenth of the time, a notification) of either era: a known method with params
 * that fit it most of the time, or an odd method name with any params.
 */
export function message(options: MessageOptions): fc.Arbitrary<Message> {
  const known = fc.oneof(
    ...METHODS.map((method) => ({
      // A good client mostly calls tools: that is where the streams, the notifier and the tools are.
      weight: options.wellFormed ? (WELL_FORMED_WEIGHTS.get(method) ?? 1) : 1,
      arbitrary: messagesOf(fc.constant(method), paramsFor(method, options.wellFormed), options),
    })),
  );
  if (options.wellFormed) return known;
  const oddNames = fc.oneof(
    shortText,
    fc.constantFrom('', 'tools/', 'TOOLS/LIST', '__proto__', 'constructor'),
  );
  return fc.oneof({ arbitrary: known, weight: 8 }, messagesOf(oddNames, paramsFor(''), options));
}

/**
 * Messages broken in the envelope: any JSON at all, or an object of JSON-RPC's own fields (and a
 * few a parser should not trust, like `__proto__`) in any number, order, repetition and type.
 */
export const wrongShape: fc.Arbitrary<string> = fc.oneof(
  anyJson.map((v) => JSON.stringify(v)),
  fc
    .array(
      fc.tuple(
        fc.constantFrom(
          'jsonrpc',
          'id',
          'method',
          'params',
          'result',
          'error',
          '__proto__',
          'constructor',
          '_meta',
        ),
        fc.oneof(
          fc.constantFrom(
            '"2.0"',
            '"1.0"',
            '2',
            'null',
            '"tools/list"',
            '"ping"',
            '{}',
            '[]',
            '{"code":1,"message":"m"}',
          ),
          anyJson.map((v) => JSON.stringify(v)),
          idText,
        ),
      ),
      { maxLength: 8 },
    )
    .map((fields) => `{${fields.map(([key, value]) => `"${key}":${value}`).join(',')}}`),
);

/** Batches: empty, mixed with junk, nested, or a thousand pings. */
export function batch(item: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    {
      arbitrary: fc
        .array(fc.oneof({ arbitrary: item, weight: 3 }, wrongShape), { maxLength: 12 })
        .map((items) => `[${items.join(',')}]`),
      weight: 4,
    },
    fc.constantFrom('[]', '[[]]', '[null]', '[1,2,3]', '[{}]'),
    item.map((text) => `[[${text}]]`),
    fc
      .integer({ min: 100, max: 2_000 })
      .map(
        (n) =>
          `[${Array.from({ length: n }, (_, i) => `{"jsonrpc":"2.0","id":${i},"method":"ping"}`).join(',')}]`,
      ),
  );
}

/** JSON nested `depth` levels deep, placed where a parser or a handler will walk it. */
export const deepNesting = fc
  .record({
    depth: fc.oneof(
      { arbitrary: fc.integer({ min: 1, max: 300 }), weight: 3 },
      fc.constantFrom(63, 64, 65, 1_000, 4_999, 5_000, 5_001, 10_000, 30_000),
    ),
    shape: fc.constantFrom('[', '{"a":', 'mixed'),
    where: fc.constantFrom('body', 'arguments', 'id', 'progressToken', 'batch'),
    closed: fc.oneof({ arbitrary: fc.constant(true), weight: 5 }, fc.constant(false)),
  })
  .map(({ depth, shape, where, closed }) => {
    const pair = shape === 'mixed' ? '[{"a":' : shape;
    const closer = shape === 'mixed' ? '}]' : shape === '[' ? ']' : '}';
    const levels = shape === 'mixed' ? Math.ceil(depth / 2) : depth;
    const open = pair.repeat(levels);
    const close = closer.repeat(levels);
    const deep = `${open}1${closed ? close : ''}`;
    const meta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"${MODERN_VERSION}","io.modelcontextprotocol/clientInfo":{"name":"fuzz","version":"1"}`;
    const call = (args: string, id = '1', token = '0') =>
      `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"process_items","arguments":${args},${meta},"progressToken":${token}}}}`;
    const text = {
      body: deep,
      arguments: call(deep),
      id: call('{"items":["a"],"delayMs":0}', deep),
      progressToken: call('{"items":["a"],"delayMs":0}', '1', deep),
      batch: `[${deep}]`,
    }[where];
    return { text, where, depth };
  });
