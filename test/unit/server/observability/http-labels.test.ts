import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  methodLabel,
  refusalReason,
  routeLabel,
  statusClass,
} from '../../../../src/server/observability/http-labels.js';

describe('HTTP label values', () => {
  it('keeps known methods and folds the rest into OTHER', () => {
    assert.equal(methodLabel('POST'), 'POST');
    assert.equal(methodLabel('PROPFIND'), 'OTHER');
    assert.equal(methodLabel(undefined), 'OTHER');
  });

  it('gives the status class, or none when no status reached the client', () => {
    assert.equal(statusClass(200, true), '2xx');
    assert.equal(statusClass(404, true), '4xx');
    assert.equal(statusClass(503, true), '5xx');
    assert.equal(statusClass(200, false), 'none');
    assert.equal(statusClass(999, true), 'none');
  });

  it('labels by the matched route template, mount path included', () => {
    assert.equal(routeLabel({ baseUrl: '', routePath: '/mcp' }, '/mcp', []), '/mcp');
    assert.equal(
      routeLabel({ baseUrl: '/.well-known', routePath: '/oauth-protected-resource' }, '/x', []),
      '/.well-known/oauth-protected-resource',
    );
  });

  it('names a request refused before routing by the route its path is, else unmatched', () => {
    assert.equal(routeLabel(undefined, '/mcp', ['/healthz', '/mcp']), '/mcp');
    assert.equal(routeLabel(undefined, '/mcp/../etc/passwd', ['/mcp']), 'unmatched');
    assert.equal(routeLabel({ baseUrl: '', routePath: /x/ }, '/x', []), 'unmatched');
  });

  it('maps transport refusals to a reason and leaves 401/403 to the layer that refused', () => {
    for (const status of [400, 405, 406, 409, 415]) assert.equal(refusalReason(status), 'bad_request');
    assert.equal(refusalReason(413), 'body_too_large');
    assert.equal(refusalReason(429), 'rate_limit');
    for (const status of [200, 202, 401, 403, 404, 500, 503]) assert.equal(refusalReason(status), undefined);
  });
});
