import { type RoundSummary, ratio, summarise } from './stats.js';
import type { TargetName } from './targets.js';

export interface FigureSpec {
  id: string;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
}

/** One figure across the table's columns: the targets, or the topologies of the replicas scenario. */
export interface Figure<C extends string = TargetName> extends FigureSpec {
  values: Partial<Record<C, RoundSummary>>;
  /** Each column's median over the reference column's median; null where either is missing. */
  ratios: Partial<Record<C, number | null>>;
}

/** Collects one value per round per column for each figure, in the order figures are first seen. */
export class FigureBook<C extends string = TargetName> {
  readonly #specs = new Map<string, FigureSpec>();
  readonly #rounds = new Map<string, Map<C, number[]>>();

  /** `reference`: the column every ratio is against (sdk-bare for the targets). */
  constructor(readonly reference: C) {}

  add(spec: FigureSpec, column: C, value: number): void {
    if (!this.#specs.has(spec.id)) {
      this.#specs.set(spec.id, spec);
      this.#rounds.set(spec.id, new Map());
    }
    const byColumn = this.#rounds.get(spec.id) as Map<C, number[]>;
    byColumn.set(column, [...(byColumn.get(column) ?? []), value]);
  }

  figures(columns: readonly C[]): Figure<C>[] {
    return [...this.#specs.values()].map((spec) => {
      const byColumn = this.#rounds.get(spec.id) as Map<C, number[]>;
      const values: Figure<C>['values'] = {};
      for (const [column, rounds] of byColumn) {
        const finite = rounds.filter(Number.isFinite);
        if (finite.length > 0) values[column] = summarise(finite);
      }
      const reference = values[this.reference]?.median;
      const ratios: Figure<C>['ratios'] = {};
      for (const column of columns) ratios[column] = ratio(values[column]?.median, reference);
      return { ...spec, values, ratios };
    });
  }
}

export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** One markdown table: median, spread across rounds, and the ratio to the reference per column. */
export function markdownTable<C extends string>(
  figures: readonly Figure<C>[],
  columns: readonly C[],
): string {
  const header = `| figure | unit | ${columns.join(' | ')} |`;
  const rule = `|---|---|${columns.map(() => '---:').join('|')}|`;
  const rows = figures.map((figure) => {
    const cells = columns.map((column) => {
      const value = figure.values[column];
      if (!value) return 'n/a';
      const r = figure.ratios[column];
      const spread = value.rounds.length > 1 ? ` ±${Math.round(value.spreadPct / 2)}%` : '';
      return `${formatNumber(value.median)}${spread}${r === null || r === undefined ? '' : ` (${r.toFixed(2)}×)`}`;
    });
    return `| ${figure.label} | ${figure.unit}${figure.better === 'higher' ? ' ↑' : ' ↓'} | ${cells.join(' | ')} |`;
  });
  return [header, rule, ...rows].join('\n');
}
