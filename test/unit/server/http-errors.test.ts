import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpError, httpErrorOf, JsonRpcCode } from '../../../src/server/http-errors.js';

describe('httpErrorOf', () => {
  it('keeps an HttpError as it is', () => {
    const error = new HttpError(409, JsonRpcCode.ServerError, 'Conflict: one stream at a time');
    assert.equal(httpErrorOf(error), error);
  });

  it("honours another error's own 4xx status, with only the standard phrase", () => {
    const error = Object.assign(new Error('secret detail from /srv/app/node_modules/x.js'), { status: 431 });
    const answer = httpErrorOf(error);
    assert.equal(answer.status, 431);
    assert.equal(answer.code, JsonRpcCode.ServerError);
    assert.equal(answer.message, 'Request Header Fields Too Large');
    assert.equal(answer.reason, 'bad_request');
  });

  it('maps a plain 400 to JSON-RPC Invalid Request, and reads statusCode too', () => {
    const answer = httpErrorOf(Object.assign(new Error('x'), { statusCode: 400 }));
    assert.equal(answer.status, 400);
    assert.equal(answer.code, JsonRpcCode.InvalidRequest);
  });

  for (const [name, error] of [
    ['a plain error', new Error('boom')],
    ['a 5xx status', Object.assign(new Error('x'), { status: 502 })],
    ['a non-integer status', Object.assign(new Error('x'), { status: 404.5 })],
    ['a thrown string', 'boom'],
    ['undefined', undefined],
  ] as const) {
    it(`answers ${name} with 500 Internal error`, () => {
      const answer = httpErrorOf(error);
      assert.equal(answer.status, 500);
      assert.equal(answer.code, JsonRpcCode.InternalError);
      assert.equal(answer.message, 'Internal error');
    });
  }
});
