import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HttpError, JsonRpcCode, sendJsonRpcError } from '../../../../src/server/http-errors.js';
import { httpMetrics } from '../../../../src/server/observability/http-metrics.js';
import { httpRequestDuration, requestsRejected } from '../../../../src/server/observability/metrics.js';
import { serveApp } from './app-harness.js';

async function rejected(reason: string) {
  return (await requestsRejected.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

async function requests(labels: Partial<Record<'method' | 'route' | 'status_class', string>>) {
  return (await httpRequestDuration.get()).values
    .filter((v) => v.metricName === 'beacon_http_request_duration_seconds_count')
    .filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k as keyof typeof labels] === value))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('httpMetrics', () => {
  let app: Awaited<ReturnType<typeof serveApp>>;
  before(async () => {
    app = await serveApp((a) => {
      a.use(httpMetrics);
      // A guard in front of routing, like the Host/Origin check.
      a.use((req, res, next) => {
        if (req.headers['x-refuse'] !== 'origin') return next();
        sendJsonRpcError(res, new HttpError(403, JsonRpcCode.ServerError, 'Forbidden', 'origin'));
      });
      a.all('/mcp', (req, res) => {
        if (req.headers['x-refuse'] === 'accept') res.status(406).json({});
        else if (req.headers['x-refuse'] === 'named') {
          sendJsonRpcError(res, new HttpError(400, JsonRpcCode.ServerError, 'No', 'session_not_found'));
        } else res.json({});
      });
    });
  });
  after(() => app.close());

  it('times requests by method, route template and status class', async () => {
    const before = await requests({ method: 'POST', route: '/mcp', status_class: '2xx' });
    await (await fetch(`${app.base}/mcp`, { method: 'POST' })).text();
    assert.equal(await requests({ method: 'POST', route: '/mcp', status_class: '2xx' }), before + 1);
  });

  it('labels unknown paths unmatched, and a request refused before routing by its route', async () => {
    const unmatched = await requests({ route: 'unmatched' });
    await (await fetch(`${app.base}/random/${Date.now()}`)).text();
    assert.equal(await requests({ route: 'unmatched' }), unmatched + 1);
    const refused = await requests({ route: '/mcp', status_class: '4xx' });
    await (await fetch(`${app.base}/mcp`, { headers: { 'X-Refuse': 'origin' } })).text();
    assert.equal(await requests({ route: '/mcp', status_class: '4xx' }), refused + 1);
  });

  it('counts a named refusal once under its own reason', async () => {
    const origin = await rejected('origin');
    const named = await rejected('session_not_found');
    const badRequest = await rejected('bad_request');
    await (await fetch(`${app.base}/mcp`, { headers: { 'X-Refuse': 'origin' } })).text();
    await (await fetch(`${app.base}/mcp`, { headers: { 'X-Refuse': 'named' } })).text();
    assert.equal(await rejected('origin'), origin + 1);
    assert.equal(await rejected('session_not_found'), named + 1);
    assert.equal(await rejected('bad_request'), badRequest, 'a 400 with a named reason is not counted twice');
  });

  it('counts a refusal nobody named by its status', async () => {
    const before = await rejected('bad_request');
    await (await fetch(`${app.base}/mcp`, { headers: { 'X-Refuse': 'accept' } })).text();
    assert.equal(await rejected('bad_request'), before + 1);
  });
});
