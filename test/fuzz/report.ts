import type { CampaignResult } from './campaign.js';

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
