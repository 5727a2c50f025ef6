import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  REDIS_COMMAND_LABELS,
  redisCommandLabel,
} from '../../../../../src/server/shared/redis/command-label.js';

describe('redisCommandLabel', () => {
  it('names a known command in lower case, however it was spelled', () => {
    assert.equal(redisCommandLabel('EVALSHA'), 'evalsha');
    assert.equal(redisCommandLabel('xAdd'), 'xadd');
    assert.equal(redisCommandLabel('decr'), 'decr');
  });

  it('folds anything else into other, so the label set stays fixed', () => {
    assert.equal(redisCommandLabel('FLUSHALL'), 'other');
    assert.equal(redisCommandLabel('session-123'), 'other');
    assert.equal(redisCommandLabel(''), 'other');
    assert.ok(REDIS_COMMAND_LABELS.length < 50);
  });
});
