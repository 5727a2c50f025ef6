import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Request } from 'express';
import { principalIdOf, quotaKeyOf } from '../../../../src/server/auth/principal.js';

const request = (ip: string, principal?: string) =>
  ({
    ip,
    socket: { remoteAddress: ip },
    ...(principal && { auth: { token: 'the-raw-credential', extra: { principal: { id: principal } } } }),
  }) as unknown as Request;

describe('quotaKeyOf', () => {
  it('is the authenticated principal, never its credential', () => {
    const req = request('127.0.0.1', 'apikey:alice');
    assert.equal(principalIdOf(req), 'apikey:alice');
    assert.equal(quotaKeyOf(req), 'apikey:alice');
    assert.equal(
      quotaKeyOf(request('10.0.0.1', 'apikey:alice')),
      'apikey:alice',
      'wherever it connects from',
    );
  });

  it('is the client address with auth off, an IPv6 /56 counting as one client', () => {
    assert.equal(principalIdOf(request('127.0.0.1')), undefined);
    assert.equal(quotaKeyOf(request('127.0.0.1')), 'ip:127.0.0.1');
    assert.equal(quotaKeyOf(request('2001:db8:0:1::1')), quotaKeyOf(request('2001:db8:0:ff::2')));
    assert.notEqual(quotaKeyOf(request('2001:db8:0:1::1')), quotaKeyOf(request('2001:db8:0:100::1')));
  });
});
