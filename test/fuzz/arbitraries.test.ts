import assert from 'node:assert/strict';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { describe, it } from 'node:test';
import { isJSONRPCNotification, isJSONRPCRequest } from '@modelcontextprotocol/server';
import fc from 'fast-check';
import { fuzzCase } from './arbitraries.js';
import { CASE_KINDS, mcpHeaderValue } from './fuzz-case.js';
import { message } from './json-rpc.js';

describe('fuzz generators', () => {
  it('cover every kind of case against both targets', () => {
    const seen = new Set(
      fc.sample(fuzzCase, { seed: 1, numRuns: 2_000 }).map((c) => `${c.kind} ${c.target}`),
    );
    for (const kind of CASE_KINDS) {
      assert.ok(seen.has(`${kind} open`) && seen.has(`${kind} auth`), kind);
    }
  });

  it('give the same cases for the same seed, so a failure can be replayed', () => {
    const once = fc.sample(fuzzCase, { seed: 42, path: '500', numRuns: 5 });
    const again = fc.sample(fuzzCase, { seed: 42, numRuns: 505 }).slice(500);
    assert.deepEqual(once, again);
  });

  it('only make node:http cases that node:http can send', () => {
    fc.assert(
      fc.property(fuzzCase, ({ request }) => {
        if (request.transport !== 'http') return;
        for (const [name, value] of request.headers) {
          validateHeaderName(name);
          validateHeaderValue(name, value);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('make well-formed messages that the SDK takes for JSON-RPC', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (modern, seed) => {
        const [m] = fc.sample(message({ modern, wellFormed: true }), { seed, numRuns: 1 });
        const body: unknown = JSON.parse(m?.text ?? '');
        assert.ok(isJSONRPCRequest(body) || isJSONRPCNotification(body), m?.text);
      }),
      { numRuns: 300 },
    );
  });

  it('mirror a name in Mcp-Name as the SDK client does: plain ASCII as is, anything else in base64', () => {
    assert.equal(mcpHeaderValue('process_items'), 'process_items');
    assert.equal(mcpHeaderValue('é'), `=?base64?${Buffer.from('é').toString('base64')}?=`);
    assert.equal(mcpHeaderValue(''), '=?base64??=');
    assert.equal(mcpHeaderValue(' a'), `=?base64?${Buffer.from(' a').toString('base64')}?=`);
  });
});
