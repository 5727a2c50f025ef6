import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../../../src/server/observability/logger.js';
import {
  bearerMatches,
  type MetricsListener,
  startMetricsListener,
} from '../../../../src/server/observability/metrics-server.js';

const logger = createLogger({ logLevel: 'silent', logFormat: 'json', replicaId: 'test' });
const TOKEN = 'a-metrics-token-0123456789';

describe('bearerMatches', () => {
  it('accepts exactly the token as a bearer credential', () => {
    assert.ok(bearerMatches(`Bearer ${TOKEN}`, TOKEN));
    assert.ok(bearerMatches(`bearer ${TOKEN}`, TOKEN), 'the scheme is case-insensitive');
  });

  it('refuses anything else', () => {
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      `Basic ${TOKEN}`,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(1)}`,
      `Bearer ${TOKEN} extra`,
    ]) {
      assert.equal(bearerMatches(header, TOKEN), false, String(header));
    }
  });
});

describe('startMetricsListener', () => {
  let listener: MetricsListener;
  before(async () => {
    listener = await startMetricsListener({ host: '127.0.0.1', port: 0, token: TOKEN }, logger);
  });
  after(() => listener.close());

  it('serves the Prometheus text format to a scraper with the token', async () => {
    const res = await fetch(listener.url, { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(await res.text(), /^# HELP beacon_/m);
  });

  it('answers 401 with a challenge without it', async () => {
    const res = await fetch(listener.url);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="beacon-metrics"');
  });

  it('serves nothing but GET /metrics', async () => {
    assert.equal((await fetch(listener.url.replace(/metrics$/, ''))).status, 404);
    assert.equal((await fetch(listener.url, { method: 'DELETE' })).status, 405);
  });

  it('names the variables when the port is taken', async () => {
    const port = Number(new URL(listener.url).port);
    await assert.rejects(
      startMetricsListener({ host: '127.0.0.1', port, token: undefined }, logger),
      /METRICS_HOST:METRICS_PORT.*EADDRINUSE/,
    );
  });
});
