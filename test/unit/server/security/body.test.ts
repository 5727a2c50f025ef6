import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bodyRefusal } from '../../../../src/server/security/body.js';

/** An error shaped as body-parser raises them (its `http-errors` set status and type). */
function createError(status: number, message: string | Error, props: Record<string, unknown> = {}): Error {
  const error = typeof message === 'string' ? new Error(message) : message;
  return Object.assign(error, { status, statusCode: status, ...props });
}

describe('bodyRefusal', () => {
  const cases: [string, Error, number, number][] = [
    ['too large', createError(413, 'too big', { type: 'entity.too.large' }), 413, -32000],
    ['too deep', Object.assign(new Error('deep'), { status: 400, type: 'entity.too.deep' }), 400, -32600],
    ['invalid JSON', createError(400, 'bad', { type: 'entity.parse.failed' }), 400, -32700],
    ['unknown encoding', createError(415, 'x', { type: 'encoding.unsupported' }), 415, -32000],
    ['unknown charset', createError(415, 'x', { type: 'charset.unsupported' }), 415, -32000],
    // What zlib raises for a corrupt or truncated gzip body, as body-parser passes it on.
    [
      'corrupt gzip',
      createError(400, Object.assign(new Error('incorrect header check'), { code: 'Z_DATA_ERROR' })),
      400,
      -32700,
    ],
    ['aborted body', createError(400, 'request aborted', { type: 'request.aborted' }), 400, -32700],
    [
      'length mismatch',
      createError(400, 'request size did not match content length', { type: 'request.size.invalid' }),
      400,
      -32700,
    ],
  ];
  for (const [name, error, status, code] of cases) {
    it(`answers ${name} with ${status} and JSON-RPC ${code}`, () => {
      const refusal = bodyRefusal(error, 64);
      assert.equal(refusal?.status, status);
      assert.equal(refusal?.code, code);
    });
  }

  it('names the nesting limit and its variable', () => {
    const refusal = bodyRefusal(
      Object.assign(new Error('deep'), { status: 400, type: 'entity.too.deep' }),
      12,
    );
    assert.match(refusal?.message ?? '', /deeper than 12 levels \(MAX_JSON_DEPTH\)/);
  });

  it('passes on errors that are not about the body', () => {
    assert.equal(bodyRefusal(new Error('boom'), 64), undefined);
    assert.equal(bodyRefusal(createError(500, 'stream encoding should not be set'), 64), undefined);
    assert.equal(bodyRefusal(undefined, 64), undefined);
  });
});
