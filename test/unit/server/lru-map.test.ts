import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LruMap } from '../../../src/server/lru-map.js';

describe('LruMap', () => {
  it('returns what was stored under a digest, and nothing for an unknown one', () => {
    const cache = new LruMap<string>(4);
    cache.set('d1', 'alice');
    assert.equal(cache.get('d1'), 'alice');
    assert.equal(cache.get('d2'), undefined);
  });

  it('evicts the least recently used verdict once over capacity', () => {
    const cache = new LruMap<string>(2);
    cache.set('a', 'A');
    cache.set('b', 'B');
    assert.equal(cache.get('a'), 'A'); // now b is the eldest
    cache.set('c', 'C');
    assert.equal(cache.size, 2);
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), 'A');
    assert.equal(cache.get('c'), 'C');
  });

  it('forgets everything on clear', () => {
    const cache = new LruMap<string>(2);
    cache.set('a', 'A');
    cache.clear();
    assert.equal(cache.size, 0);
    assert.equal(cache.get('a'), undefined);
  });

  it('refuses a capacity that could not hold one verdict', () => {
    assert.throws(() => new LruMap(0), /capacity must be a positive integer/);
  });
});
