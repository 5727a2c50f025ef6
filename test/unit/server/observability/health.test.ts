import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readinessOf } from '../../../../src/server/observability/health.js';

describe('readinessOf', () => {
  it('without REDIS_URL answers as before: 200 ready, 503 draining, no word of Redis', () => {
    assert.deepEqual(readinessOf(true, undefined), { status: 200, body: { status: 'ready' } });
    assert.deepEqual(readinessOf(false, undefined), { status: 503, body: { status: 'draining' } });
  });

  it('answers 503 naming Redis until the first connection', () => {
    assert.deepEqual(readinessOf(true, 'connecting'), {
      status: 503,
      body: { status: 'starting', redis: 'connecting' },
    });
  });

  it('stays 200 once Redis has been reached, saying whether it is up now', () => {
    assert.deepEqual(readinessOf(true, 'up'), { status: 200, body: { status: 'ready', redis: 'up' } });
    assert.deepEqual(readinessOf(true, 'down'), { status: 200, body: { status: 'ready', redis: 'down' } });
  });

  it('answers 503 while draining, whatever Redis is doing', () => {
    for (const redis of ['connecting', 'up', 'down'] as const) {
      assert.deepEqual(readinessOf(false, redis), { status: 503, body: { status: 'draining', redis } });
    }
  });
});
