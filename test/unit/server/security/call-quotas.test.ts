import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CallAdmission, CallQuotas } from '../../../../src/server/security/call-quotas.js';

function admitted(admission: CallAdmission): () => void {
  if ('refused' in admission) assert.fail(`refused for ${admission.refused}`);
  return admission.release;
}

describe('CallQuotas', () => {
  it('refuses a principal over its share while another is still admitted', () => {
    const quotas = new CallQuotas({ perPrincipal: 2, total: 10 });
    admitted(quotas.acquire('apikey:alice'));
    admitted(quotas.acquire('apikey:alice'));
    assert.deepEqual(quotas.acquire('apikey:alice'), { refused: 'call_quota' });
    admitted(quotas.acquire('apikey:bob'));
    assert.equal(quotas.heldBy('apikey:alice'), 2);
    assert.equal(quotas.total, 3);
  });

  it('refuses anyone once the process is full, naming the principal limit first', () => {
    const quotas = new CallQuotas({ perPrincipal: 2, total: 3 });
    admitted(quotas.acquire('a'));
    admitted(quotas.acquire('a'));
    admitted(quotas.acquire('b'));
    assert.deepEqual(quotas.acquire('b'), { refused: 'call_capacity' });
    assert.deepEqual(quotas.acquire('c'), { refused: 'call_capacity' });
    assert.deepEqual(quotas.acquire('a'), { refused: 'call_quota' }, 'a is over its own share too');
  });

  it('takes a batch whole or not at all', () => {
    const quotas = new CallQuotas({ perPrincipal: 3, total: 4 });
    const pair = admitted(quotas.acquire('a', 2));
    assert.deepEqual(quotas.acquire('a', 2), { refused: 'call_quota' });
    assert.equal(quotas.heldBy('a'), 2, 'a refused batch takes nothing');
    admitted(quotas.acquire('b', 2));
    assert.deepEqual(quotas.acquire('c', 1), { refused: 'call_capacity' });
    pair();
    assert.equal(quotas.total, 2);
    admitted(quotas.acquire('c', 2));
  });

  it('gives each place back once and forgets a principal with no call running', () => {
    const quotas = new CallQuotas({ perPrincipal: 1, total: 1 });
    const release = admitted(quotas.acquire('a'));
    release();
    release();
    assert.equal(quotas.total, 0, 'a second release does nothing');
    assert.equal(quotas.heldBy('a'), 0);
    const again = admitted(quotas.acquire('b'));
    release();
    assert.equal(quotas.total, 1, 'a stale release cannot free a place someone else now holds');
    again();
    assert.equal(quotas.total, 0);
  });
});
