import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientOptions, redactedUrl } from '../../../../../src/server/shared/redis/client-options.js';

const settings = {
  url: 'rediss://app:s3cr%40t@redis.internal:6380/2',
  keyPrefix: 'beacon:',
  timeoutMs: 2000,
};

describe('redactedUrl', () => {
  it('masks the password and keeps what helps an operator', () => {
    assert.equal(redactedUrl(settings.url), 'rediss://app:***@redis.internal:6380/2');
    assert.equal(redactedUrl('redis://:hunter2-long@127.0.0.1:6379'), 'redis://:***@127.0.0.1:6379');
    assert.equal(redactedUrl('redis://127.0.0.1:6379/0'), 'redis://127.0.0.1:6379/0');
  });

  it('never echoes what it cannot parse', () => {
    assert.equal(redactedUrl('redis://:pw@[bad'), '[unparseable]');
  });
});

describe('clientOptions', () => {
  const options = clientOptions(settings, 'replica-a');

  it('hands node-redis the URL, which carries credentials, TLS and database', () => {
    assert.equal(options.url, settings.url);
    assert.equal(options.name, 'beacon-replica-a');
  });

  it('passes a password from REDIS_PASSWORD_FILE beside the URL, and none when there is none', () => {
    const withFile = clientOptions({ ...settings, url: 'redis://redis:6379/0', password: 'from-file' }, 'r');
    assert.equal(withFile.password, 'from-file');
    assert.equal('password' in options, false);
  });

  it('refuses commands while disconnected rather than queueing them', () => {
    assert.equal(options.disableOfflineQueue, true);
    assert.ok((options.commandsQueueMaxLength ?? 0) > 0);
  });

  it('reconnects forever with capped backoff', () => {
    const strategy = options.socket?.reconnectStrategy;
    assert.equal(typeof strategy, 'function');
    if (typeof strategy !== 'function') return;
    for (const retries of [0, 5, 500]) {
      const delay = strategy(retries, new Error('ECONNREFUSED'));
      assert.equal(typeof delay, 'number');
      assert.ok((delay as number) > 0 && (delay as number) <= 3000);
    }
  });
});
