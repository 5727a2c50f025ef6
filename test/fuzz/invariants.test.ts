import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FuzzResponse, jsonRpcErrorProblem, leaksIn, streamLeaks, violations } from './invariants.js';

const context = { requestText: '', privatePaths: ['/srv/beacon'], closeAllowed: false };
const answer = (overrides: Partial<FuzzResponse>): FuzzResponse => ({
  status: 400,
  headers: {},
  body: '{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}',
  elapsedMs: 5,
  ...overrides,
});

describe('fuzz invariants', () => {
  it('passes a JSON-RPC 4xx, a 2xx of any shape, and a 4xx with no body', () => {
    assert.deepEqual(violations(answer({}), context), []);
    assert.deepEqual(violations(answer({ status: 200, body: 'event: message\ndata: {}\n\n' }), context), []);
    assert.deepEqual(violations(answer({ status: 400, body: '' }), context), []);
  });

  it('refuses any 5xx but a 503 with Retry-After', () => {
    assert.deepEqual(violations(answer({ status: 500 }), context), ['status 500']);
    assert.deepEqual(violations(answer({ status: 503 }), context), ['status 503 without Retry-After']);
    assert.deepEqual(violations(answer({ status: 503, headers: { 'retry-after': '5' } }), context), []);
  });

  it('refuses an error body that is not JSON-RPC error JSON', () => {
    assert.match(jsonRpcErrorProblem('Bad Request') ?? '', /not JSON/);
    assert.match(jsonRpcErrorProblem('[]') ?? '', /not a JSON-RPC object/);
    assert.match(jsonRpcErrorProblem('{"error":{"code":1,"message":"m"}}') ?? '', /jsonrpc/);
    assert.match(
      jsonRpcErrorProblem('{"jsonrpc":"2.0","error":{"code":1.5,"message":"m"}}') ?? '',
      /integer/,
    );
    assert.match(jsonRpcErrorProblem('{"jsonrpc":"2.0","error":{"code":1}}') ?? '', /message/);
    assert.equal(jsonRpcErrorProblem('{"jsonrpc":"2.0","error":{"code":-32600,"message":"m"}}'), undefined);
  });

  it('refuses a timeout, and a hang-up without an answer unless the request could not be framed', () => {
    assert.match(
      violations(answer({ status: 'timeout', elapsedMs: 10_001 }), context).join(),
      /within 10000 ms/,
    );
    assert.deepEqual(violations(answer({ status: 'closed', body: '', error: 'ECONNRESET' }), context), [
      'connection closed without an answer (ECONNRESET)',
    ]);
    assert.deepEqual(
      violations(answer({ status: 'closed', body: '' }), { ...context, closeAllowed: true }),
      [],
    );
  });

  it('finds stack frames, paths of this machine, node_modules and thrown errors in any body', () => {
    const stack = 'TypeError: x\n    at parse (/srv/beacon/node_modules/body-parser/index.js:12:3)';
    const leaks = leaksIn(stack, context);
    for (const name of [
      'a stack frame',
      'an absolute path',
      'node_modules',
      'a thrown error',
      'a private path',
    ]) {
      assert.ok(
        leaks.some((leak) => leak.startsWith(name)),
        `${name} in ${leaks.join('; ')}`,
      );
    }
    assert.match(
      violations(answer({ status: 200, body: stack }), context).join(),
      /body leaks a stack frame/,
    );
    assert.ok(leaksIn('open C:\\beacon\\data\\x', context).length > 0);
  });

  it('does not count as a leak what the request itself sent, nor URLs and relative paths', () => {
    const echoed = '{"error":{"message":"paths: /etc/passwd is outside the data directory"}}';
    assert.deepEqual(leaksIn(echoed, { ...context, requestText: '{"paths":["/etc/passwd"]}' }), []);
    const urls =
      '{"resource":"http://127.0.0.1:3000/tmp/mcp","path":"field-notes/storm-watch.md","m":"Parse error: x"}';
    assert.deepEqual(leaksIn(urls, context), []);
    // A header value with a tab, echoed in a JSON message as `\t`.
    assert.deepEqual(
      leaksIn('{"message":"unsupported version A:\\t"}', { ...context, requestText: 'A:\t' }),
      [],
    );
  });

  it('checks a shared stream for stack frames and private paths but not for echoed absolute paths', () => {
    assert.deepEqual(streamLeaks('data: {"reason":"/etc/passwd is not allowed"}', ['/srv/beacon']), []);
    assert.ok(streamLeaks('data: "at run (/srv/beacon/dist/x.js:1:2)"', ['/srv/beacon']).length > 0);
  });
});
