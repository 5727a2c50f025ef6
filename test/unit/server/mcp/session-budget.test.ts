import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SessionBudget } from '../../../../src/server/mcp/session-budget.js';

describe('SessionBudget', () => {
  it('hands out at most limit places and takes each back once', () => {
    const budget = new SessionBudget(2);
    const first = budget.acquire();
    const second = budget.acquire();
    assert.ok(first && second);
    assert.equal(budget.acquire(), undefined);
    assert.equal(budget.used, 2);
    first();
    first();
    assert.equal(budget.used, 1, 'a second release of the same place does nothing');
    assert.ok(budget.acquire());
    assert.equal(budget.acquire(), undefined);
  });
});
