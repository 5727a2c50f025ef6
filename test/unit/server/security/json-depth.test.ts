import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonDepthExceeds } from '../../../../src/server/security/json-depth.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const nested = (depth: number, open = '[', close = ']') => `${open.repeat(depth)}${close.repeat(depth)}`;

describe('jsonDepthExceeds', () => {
  it('allows nesting up to the limit and refuses one level more', () => {
    assert.equal(jsonDepthExceeds(bytes(nested(64)), 64), false);
    assert.equal(jsonDepthExceeds(bytes(nested(65)), 64), true);
  });

  it('counts arrays and objects alike', () => {
    const mixed = `${'{"a":['.repeat(10)}1${']}'.repeat(10)}`;
    assert.equal(jsonDepthExceeds(bytes(mixed), 20), false);
    assert.equal(jsonDepthExceeds(bytes(mixed), 19), true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ items: ['[[[[[[[[[[', 'a "quoted [[[[[" word', '\\', '{{{{{{'] });
    assert.equal(jsonDepthExceeds(bytes(text), 2), false);
  });

  it('measures depth, not the number of containers', () => {
    const wide = JSON.stringify({ items: Array.from({ length: 5000 }, () => [1]) });
    assert.equal(jsonDepthExceeds(bytes(wide), 3), false);
  });

  it('finds deep nesting in a JSON-RPC id or params', () => {
    const deepId = `{"jsonrpc":"2.0","id":${nested(5000)},"method":"ping"}`;
    assert.equal(jsonDepthExceeds(bytes(deepId), 64), true);
  });

  it('leaves malformed text to the parser', () => {
    assert.equal(jsonDepthExceeds(bytes(']]]]'), 1), false);
    assert.equal(jsonDepthExceeds(bytes('"unterminated [[[['), 1), false);
  });
});
