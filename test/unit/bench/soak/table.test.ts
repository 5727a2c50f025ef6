import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clock, errorCell, TABLE_HEADER, tableRow } from '../../../../bench/soak/table.js';

const noErrors = { request: 0, result: 0, notification: 0, resume: 0, leak: 0, count: 0 };

describe('soak table', () => {
  it('shows elapsed time as m:ss', () => {
    assert.equal(clock(0), '0:00');
    assert.equal(clock(5), '0:05');
    assert.equal(clock(95), '1:35');
    assert.equal(clock(600), '10:00');
  });

  it('shows errors as a total with its kinds', () => {
    assert.equal(errorCell(noErrors), '0');
    assert.equal(errorCell({ ...noErrors, resume: 1, request: 2 }), '3 (request 2, resume 1)');
  });

  it('prints one markdown row with as many cells as the header', () => {
    const row = tableRow({
      fromS: 90,
      elapsedS: 120,
      calls: 12_345,
      cancelled: 67,
      resumed: 8,
      sessions: 900,
      errors: noErrors,
      rssBytes: 150 * 2 ** 20,
      heapUsedBytes: 42.25 * 2 ** 20,
      sessionsOpen: 5,
      streamsOpen: 7,
    });
    assert.equal(row, '| 2:00 | 12,345 | 67 | 8 | 900 | 0 | 150.0 | 42.3 | 5 | 7 |');
    const cells = (line: string) => line.split('|').length;
    assert.equal(cells(row), cells(TABLE_HEADER.split('\n')[0] ?? ''));
  });
});
