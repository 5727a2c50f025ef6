import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CENSOR, redactSecrets, SECRET_KEYS } from '../../../../src/server/observability/redact.js';

describe('redactSecrets', () => {
  it('blanks every credential key, in any letter case, at the top and deep down', () => {
    for (const key of SECRET_KEYS) {
      const upper = key.toUpperCase();
      const out = redactSecrets({ [key]: 'a', [upper]: 'b', x: { y: { z: { [key]: 'c' } } } });
      assert.equal(out[key], CENSOR);
      assert.equal(out[upper], CENSOR);
      assert.equal((out.x as { y: { z: Record<string, unknown> } }).y.z[key], CENSOR, key);
    }
  });

  it('walks arrays and null-prototype objects such as Node header maps', () => {
    const headers = Object.assign(Object.create(null) as Record<string, unknown>, {
      authorization: 'Bearer s',
    });
    const out = redactSecrets({ list: [{ token: 's' }, 'plain'], headers });
    assert.deepEqual(out.list, [{ token: CENSOR }, 'plain']);
    assert.equal((out.headers as Record<string, unknown>).authorization, CENSOR);
  });

  it('returns the very same object when there is nothing to blank, and never changes its input', () => {
    const clean = { req: { id: 'r1', method: 'POST', path: '/mcp' }, items: [1, 2] };
    assert.equal(redactSecrets(clean), clean);
    const dirty = { req: { headers: { cookie: 'c=1' } } };
    const out = redactSecrets(dirty);
    assert.notEqual(out, dirty);
    assert.equal(dirty.req.headers.cookie, 'c=1');
    assert.equal(out.req.headers.cookie, CENSOR);
  });

  it('leaves class instances (errors, buffers) to their own serializers', () => {
    const error = Object.assign(new Error('boom'), { token: 'inside-an-error' });
    assert.equal(redactSecrets({ err: error }).err, error);
  });
});
