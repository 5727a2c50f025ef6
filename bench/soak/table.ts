import { ERROR_KINDS, type ErrorKind } from './tally.js';
import type { MemoryRow } from './verdict.js';

/** One line of the soak's table: the counts so far, and the server's lowest memory readings over the last interval. */
export interface SoakRow extends MemoryRow {
  calls: number;
  cancelled: number;
  resumed: number;
  /** Sessions opened and closed again by the clients so far. */
  sessions: number;
  errors: Record<ErrorKind, number>;
  /** Read from the server at the end of the interval. */
  sessionsOpen: number;
  streamsOpen: number;
}

export const TABLE_HEADER = [
  '| elapsed | calls ok | cancelled | resumed | sessions closed | errors | RSS MB | heap used MB | sessions open | streams open |',
  '|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|',
].join('\n');

/** 95 s → "1:35". */
export function clock(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** "0", or the total and its kinds: "3 (request 2, resume 1)". */
export function errorCell(errors: Record<ErrorKind, number>): string {
  const kinds = ERROR_KINDS.filter((k) => errors[k] > 0);
  const total = kinds.reduce((sum, k) => sum + errors[k], 0);
  return total === 0 ? '0' : `${total} (${kinds.map((k) => `${k} ${errors[k]}`).join(', ')})`;
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const count = (n: number) => n.toLocaleString('en-US');

export function tableRow(row: SoakRow): string {
  return `| ${[
    clock(row.elapsedS),
    count(row.calls),
    count(row.cancelled),
    count(row.resumed),
    count(row.sessions),
    errorCell(row.errors),
    mb(row.rssBytes),
    mb(row.heapUsedBytes),
    row.sessionsOpen,
    row.streamsOpen,
  ].join(' | ')} |`;
}
