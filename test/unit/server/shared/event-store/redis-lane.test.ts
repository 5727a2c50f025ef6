import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LaneWriter } from '../../../../../src/server/shared/event-store/redis-lane.js';
import { StreamEnd } from '../../../../../src/server/shared/event-store/stream-end.js';

const lane = () => new LaneWriter('key', 'lane', StreamEnd.forNewStream('s'));
const limits = { maxEvents: 3, maxBytes: 1000, ttlMs: 10_000 };

describe('LaneWriter', () => {
  it('names entries in increasing order, even when the clock steps back', () => {
    const writer = lane();
    assert.deepEqual(
      [writer.nextId(100), writer.nextId(100), writer.nextId(90), writer.nextId(101)],
      ['100-0', '100-1', '100-2', '101-0'],
    );
  });

  it('cuts at the oldest entry to keep, past maxEvents', () => {
    const writer = lane();
    const cuts = [1, 2, 3, 4, 5].map((n) => writer.hold(`${n}-0`, n, 10, limits));
    assert.deepEqual(cuts, [undefined, undefined, undefined, '2-0', '3-0']);
    assert.equal(writer.events, 3);
    assert.equal(writer.bytes, 30);
  });

  it('cuts past maxBytes, always keeping the newest entry', () => {
    const writer = lane();
    assert.equal(writer.hold('1-0', 1, 600, limits), undefined);
    assert.equal(writer.hold('2-0', 2, 600, limits), '2-0');
    assert.equal(writer.bytes, 600);
  });

  it('cuts entries older than the TTL', () => {
    const writer = lane();
    writer.hold('1-0', 1_000, 10, limits);
    writer.hold('2-0', 5_000, 10, limits);
    assert.equal(writer.hold('3-0', 12_000, 10, limits), '2-0');
  });

  it('holds long lanes without growing: what was cut is let go', () => {
    const writer = lane();
    for (let n = 1; n <= 5000; n++) writer.hold(`${n}-0`, n, 1, limits);
    assert.equal(writer.events, 3);
    assert.equal(writer.hold('5001-0', 5001, 1, limits), '4999-0');
  });

  it('asks for an expiry refresh at most every tenth of the TTL, up to a second', () => {
    const writer = lane();
    const due = [0, 500, 999, 1000, 1500, 2100].map((now) => writer.expiryDue(now, 60_000));
    assert.deepEqual(due, [true, false, false, true, false, true]);
    const short = lane();
    assert.deepEqual(
      [0, 20, 30].map((now) => short.expiryDue(now, 300)),
      [true, false, true],
    );
  });
});
