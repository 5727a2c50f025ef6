import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareEntryIds,
  formatEventId,
  laneName,
  parseEventId,
  SessionKeys,
} from '../../../../../src/server/shared/event-store/redis-keys.js';

describe('SessionKeys', () => {
  it('puts every key of a session under the prefix, with the session id as the hash tag', () => {
    const keys = new SessionKeys('beacon:', 'abc');
    assert.equal(keys.meta, 'beacon:{abc}:ev:meta');
    assert.equal(keys.lane('0123456789ab.s1'), 'beacon:{abc}:ev:0123456789ab.s1');
  });

  it('refuses a session id that would move the hash tag', () => {
    assert.throws(() => new SessionKeys('beacon:', 'a}b'), /must not contain/);
  });
});

describe('event ids', () => {
  it('name their entry, lane and stream, and parse back', () => {
    const lane = laneName('0123456789ab', '5b9e0c1e-1b7e-4a59-9d0e-8a2f3c4d5e6f');
    const id = formatEventId('1764686985000-3', lane);
    assert.equal(id, '1764686985000-3.0123456789ab.5b9e0c1e-1b7e-4a59-9d0e-8a2f3c4d5e6f');
    assert.deepEqual(parseEventId(id), {
      entryId: '1764686985000-3',
      lane,
      streamId: '5b9e0c1e-1b7e-4a59-9d0e-8a2f3c4d5e6f',
    });
  });

  it('parse only their own shape, as a client may send anything back', () => {
    for (const id of [
      '',
      '12.stream',
      '1-0.XYZ.s',
      '1-0.0123456789ab.',
      '1-0.0123456789ab.a b',
      '1-0.0123456789ab.s\n',
    ]) {
      assert.equal(parseEventId(id), undefined, JSON.stringify(id));
    }
  });

  it('order as Redis orders entry ids', () => {
    assert.ok(compareEntryIds('9-0', '10-0') < 0);
    assert.ok(compareEntryIds('10-2', '10-10') < 0);
    assert.equal(compareEntryIds('5-1', '5-1'), 0);
  });
});
