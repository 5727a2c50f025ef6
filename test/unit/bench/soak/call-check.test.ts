import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callProblem, resumeProblem, type StreamedMessage } from '../../../../bench/soak/call-check.js';

describe('soak callProblem', () => {
  const whole = { progress: [1, 2, 3], infoLogs: 3, processed: 3 };

  it('accepts a call with its result, every progress in order and one info log per item', () => {
    assert.equal(callProblem(3, whole), undefined);
  });

  it('names a missing or short result', () => {
    assert.deepEqual(callProblem(3, { ...whole, processed: undefined }), {
      kind: 'result',
      message: 'result without structuredContent.processed',
    });
    assert.equal(callProblem(3, { ...whole, processed: 2 })?.kind, 'result');
  });

  it('names a lost, repeated or reordered progress', () => {
    for (const progress of [[1, 3], [1, 2, 2, 3], [2, 1, 3], []]) {
      assert.deepEqual(callProblem(3, { ...whole, progress }), {
        kind: 'notification',
        message: `progress [${progress.join(',')}] for 3 items`,
      });
    }
  });

  it('names a lost or extra info log', () => {
    assert.equal(callProblem(3, { ...whole, infoLogs: 2 })?.message, '2 info logs for 3 items');
    assert.equal(callProblem(3, { ...whole, infoLogs: 4 })?.kind, 'notification');
  });
});

describe('soak resumeProblem', () => {
  let next = 0;
  const event = (message: StreamedMessage['message']): StreamedMessage => {
    next += 1;
    return { eventId: `s1_${next}`, message };
  };
  const item = (n: number) => [
    event({ method: 'notifications/message', params: { level: 'info', data: `item ${n}/3` } }),
    event({ method: 'notifications/progress', params: { progressToken: 'soak', progress: n, total: 3 } }),
  ];
  const result = () => event({ id: 2, result: { structuredContent: { processed: 3 } } });

  it('accepts what was heard before the drop plus the replay, ending with the result', () => {
    assert.equal(resumeProblem(3, 2, [...item(1), ...item(2)], [...item(3), result()]), undefined);
  });

  it('names an event lost across the drop', () => {
    const before = [...item(1), ...item(2)];
    assert.deepEqual(resumeProblem(3, 2, before, [...item(3).slice(0, 1), result()]), {
      kind: 'resume',
      message: 'progress [1,2] across the drop, for 3 items',
    });
    assert.match(
      resumeProblem(3, 2, before, [...item(3).slice(1), result()])?.message ?? '',
      /^2 info logs across the drop/,
    );
  });

  it('names an event replayed twice', () => {
    const before = [...item(1), ...item(2)];
    assert.equal(
      resumeProblem(3, 2, before, [before[1] as StreamedMessage, ...item(3), result()])?.message,
      'an event id came twice',
    );
  });

  it('names a resumed stream that ends without the result', () => {
    assert.equal(
      resumeProblem(3, 2, [...item(1), ...item(2)], item(3))?.message,
      'the resumed stream did not end with the full result',
    );
  });
});
