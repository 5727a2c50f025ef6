import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServerNotification } from '@modelcontextprotocol/server';
import { createNotifier, type NotifierOptions } from '../../../../src/server/mcp/notifier.js';
import type { LogLevel } from '../../../../src/server/tools/tool.js';

function harness(overrides: Partial<NotifierOptions> = {}) {
  const sent: ServerNotification[] = [];
  const controller = new AbortController();
  const notifier = createNotifier({
    era: '2025-11-25',
    signal: controller.signal,
    progressToken: 'tok',
    threshold: () => 'debug',
    send: async (n) => {
      sent.push(n);
    },
    logRatePerSecond: 1000,
    ...overrides,
  });
  return { notifier, sent, controller };
}

describe('notifier', () => {
  it('sends progress with the request token, and only strictly increasing values', async () => {
    const { notifier, sent } = harness();
    await notifier.progress(1, 3, 'one');
    await notifier.progress(1, 3, 'again');
    await notifier.progress(2, 3);
    assert.deepEqual(
      sent.map((n) => n.params),
      [
        { progressToken: 'tok', progress: 1, total: 3, message: 'one' },
        { progressToken: 'tok', progress: 2, total: 3, message: undefined },
      ],
    );
    assert.equal(notifier.sent, 2);
  });

  it('sends no progress when the request carried no progressToken', async () => {
    const { notifier, sent } = harness({ progressToken: undefined });
    await notifier.progress(1, 1);
    assert.equal(sent.length, 0);
    assert.equal(notifier.progressSent, false);
  });

  it('tells whether a progress reached the stream, which log messages alone do not', async () => {
    const { notifier } = harness();
    await notifier.log('info', 'first item');
    assert.equal(notifier.progressSent, false);
    await notifier.progress(1, 1);
    assert.equal(notifier.progressSent, true);
  });

  it('filters log messages below the active level, reading the level on every call', async () => {
    let level: LogLevel = 'warning';
    const { notifier, sent } = harness({ threshold: () => level });
    await notifier.log('info', 'quiet');
    await notifier.log('error', 'loud');
    level = 'debug';
    await notifier.log('debug', 'now audible');
    assert.deepEqual(
      sent.map((n) => n.params && 'data' in n.params && n.params.data),
      ['loud', 'now audible'],
    );
  });

  it('sends no log message at all when the threshold is null (modern request without logLevel)', async () => {
    const { notifier, sent } = harness({ threshold: () => null });
    for (const level of ['debug', 'info', 'emergency'] as const) await notifier.log(level, 'x');
    assert.equal(sent.length, 0);
  });

  it('sends nothing after cancellation', async () => {
    const { notifier, sent, controller } = harness();
    await notifier.progress(1, 2);
    controller.abort();
    await notifier.progress(2, 2);
    await notifier.log('error', 'late');
    assert.equal(sent.length, 1);
  });

  it('survives a stream that rejects a send', async () => {
    const { notifier } = harness({
      send: async () => {
        throw new Error('stream closed');
      },
    });
    await notifier.log('info', 'lost');
    assert.equal(notifier.sent, 0);
  });

  it('rate-limits log messages per call but never progress', async () => {
    let clock = 0;
    const { notifier, sent } = harness({ logRatePerSecond: 3, now: () => clock });
    for (let i = 0; i < 10; i++) await notifier.log('info', i);
    for (let i = 1; i <= 10; i++) await notifier.progress(i, 10);
    const logs = sent.filter((n) => n.method === 'notifications/message');
    assert.equal(logs.length, 3);
    assert.equal(sent.length - logs.length, 10);
    clock += 1000;
    await notifier.log('info', 'after a second');
    assert.equal(sent.filter((n) => n.method === 'notifications/message').length, 4);
  });
});
