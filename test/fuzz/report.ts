/** How a fuzz run reads to a person: the counts by status and kind, and one case at a time. */
import type { CampaignResult } from './campaign.js';
import type { FuzzCase } from './fuzz-case.js';

/** Statuses in a stable order: numbers ascending, then `closed` and `timeout`. */
function statusOrder(statuses: Iterable<string>): string[] {
  return [...statuses].sort((a, b) => (Number(a) || 1_000) - (Number(b) || 1_000) || a.localeCompare(b));
}

/** The counts of a run as a table: one line overall, then one row per case kind. */
export function formatCounts(result: CampaignResult): string {
  const total = [...result.byStatus.values()].reduce((sum, n) => sum + n, 0);
  const seconds = result.elapsedMs / 1000;
  const statuses = statusOrder(result.byStatus.keys());
  const width = Math.max(7, ...[...result.byStatus.values()].map((n) => String(n).length + 1));
  const kindWidth = Math.max(...[...result.byKind.keys()].map((k) => k.length), 4) + 2;
  const row = (label: string, counts: Map<string, number>) =>
    label.padEnd(kindWidth) + statuses.map((s) => String(counts.get(s) ?? '-').padStart(width)).join('');
  const lines = [
    `${total} cases in ${seconds.toFixed(1)} s (${Math.round(total / seconds)} per second), ${result.failed} with violations`,
    '',
    'status'.padEnd(kindWidth) + statuses.map((s) => s.padStart(width)).join(''),
    row('all', result.byStatus),
    ...[...result.byKind.keys()].sort().map((kind) => row(kind, result.byKind.get(kind) ?? new Map())),
  ];
  if (result.problems.size > 0) {
    lines.push('', 'violations:');
    for (const [problem, n] of [...result.problems].sort((a, b) => b[1] - a[1]))
      lines.push(`${String(n).padStart(width)}  ${problem}`);
  }
  return lines.join('\n');
}

const PREVIEW = 300;

/** A case as a person reads it: the request line, the headers, and the body (or its base64). */
export function describeCase(kase: FuzzCase): string {
  const { request } = kase;
  const lines = [`kind ${kase.kind}, target ${kase.target}`];
  if (request.transport === 'raw') {
    lines.push(`raw bytes (${request.bytes.length}): ${JSON.stringify(request.bytes.slice(0, PREVIEW))}`);
    return lines.join('\n');
  }
  lines.push(`${request.method} ${request.path.slice(0, PREVIEW)}`);
  const filler = request.headers.filter(([name]) => name.startsWith('X-Fuzz-'));
  for (const [name, value] of request.headers) {
    if (!name.startsWith('X-Fuzz-')) lines.push(`${name}: ${value.slice(0, 200)}`);
  }
  if (filler.length > 0) lines.push(`X-Fuzz-0 … X-Fuzz-${filler.length - 1}: v (${filler.length} headers)`);
  if (request.body) {
    const text = Buffer.from(request.body).toString('utf8');
    const printable = !text.includes('\uFFFD');
    const shown = printable ? text : Buffer.from(request.body).toString('base64');
    lines.push(
      '',
      `${printable ? '' : 'base64 '}body (${request.body.length} bytes): ${shown.slice(0, PREVIEW)}`,
    );
  }
  return lines.join('\n');
}
