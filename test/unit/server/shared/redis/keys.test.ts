import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyOf } from '../../../../../src/server/shared/redis/keys.js';

describe('keyOf', () => {
  it('puts the session id in a hash tag under the prefix', () => {
    assert.equal(keyOf('beacon:', 'abc', 'events'), 'beacon:{abc}:events');
    assert.equal(
      keyOf('prod.eu:', '6f1c8c2e-5b7d-4c1a-9f0e-2d3b4a5c6d7e', 'record'),
      'prod.eu:{6f1c8c2e-5b7d-4c1a-9f0e-2d3b4a5c6d7e}:record',
    );
  });

  it("gives every key of one session the same Redis Cluster hash tag, and another session's a different one", () => {
    const tag = (key: string) => /\{([^}]*)\}/.exec(key)?.[1];
    assert.equal(tag(keyOf('b:', 's1', 'record')), tag(keyOf('b:', 's1', 'events')));
    assert.notEqual(tag(keyOf('b:', 's1', 'record')), tag(keyOf('b:', 's2', 'record')));
  });
});
