import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  metaOfBody,
  parseTraceparent,
  traceContextOf,
} from '../../../../src/server/observability/trace-context.js';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const CONTEXT = { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' };

describe('parseTraceparent', () => {
  it('reads the trace id and parent span id of a version 00 header', () => {
    assert.deepEqual(parseTraceparent(VALID), CONTEXT);
    assert.deepEqual(parseTraceparent(` ${VALID} `), CONTEXT, 'surrounding whitespace is allowed');
  });

  it('reads the first four fields of a later version, which may append more', () => {
    assert.deepEqual(parseTraceparent(`01-${VALID.slice(3)}-what-comes-next`), CONTEXT);
  });

  for (const [why, value] of [
    ['not a string', 42],
    ['empty', ''],
    ['upper-case hex', VALID.toUpperCase()],
    ['version ff', `ff-${VALID.slice(3)}`],
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['an all-zero span id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['a short trace id', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'],
    ['extra fields on version 00', `${VALID}-extra`],
    ['a log-forging newline', `${VALID}\n{"level":60}`],
    ['two headers joined by a comma', `${VALID}, ${VALID}`],
    ['oversized', `01-${VALID.slice(3)}-${'a'.repeat(600)}`],
  ] as const) {
    it(`ignores a value that is ${why}`, () => {
      assert.equal(parseTraceparent(value), undefined);
    });
  }
});

describe('traceContextOf', () => {
  it('prefers the HTTP header over params._meta.traceparent', () => {
    const other = '00-11111111111111111111111111111111-2222222222222222-00';
    assert.deepEqual(traceContextOf(VALID, { traceparent: other }), CONTEXT);
  });

  it('falls back to _meta when the header is absent or malformed', () => {
    assert.deepEqual(traceContextOf(undefined, { traceparent: VALID }), CONTEXT);
    assert.deepEqual(traceContextOf('garbage', { traceparent: VALID }), CONTEXT);
    assert.equal(traceContextOf(undefined, undefined), undefined);
    assert.equal(traceContextOf(undefined, { traceparent: 'garbage' }), undefined);
  });
});

describe('metaOfBody', () => {
  it('finds params._meta of a JSON-RPC request and nothing in other shapes', () => {
    assert.deepEqual(metaOfBody({ jsonrpc: '2.0', params: { _meta: { traceparent: VALID } } }), {
      traceparent: VALID,
    });
    assert.equal(metaOfBody([{ params: { _meta: {} } }]), undefined);
    assert.equal(metaOfBody({ params: null }), undefined);
    assert.equal(metaOfBody('text'), undefined);
  });
});
