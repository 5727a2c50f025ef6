import { type RoundSummary, ratio, summarise } from './stats.js';
import { REFERENCE, type TargetName } from './targets.js';

export interface FigureSpec {
  id: string;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
}

export interface Figure extends FigureSpec {
  values: Partial<Record<TargetName, RoundSummary>>;
  /** Each target's median over the reference target's median (sdk-bare); null where either is missing. */
  ratios: Partial<Record<TargetName, number | null>>;
}

/** Collects one value per round per target for each figure, in the order figures are first seen. */
export class FigureBook {
  readonly #specs = new Map<string, FigureSpec>();
  readonly #rounds = new Map<string, Map<TargetName, number[]>>();

  add(spec: FigureSpec, target: TargetName, value: number): void {
    if (!this.#specs.has(spec.id)) {
      this.#specs.set(spec.id, spec);
      this.#rounds.set(spec.id, new Map());
    }
    const byTarget = this.#rounds.get(spec.id) as Map<TargetName, number[]>;
    byTarget.set(target, [...(byTarget.get(target) ?? []), value]);
  }

  figures(targets: readonly TargetName[]): Figure[] {
    return [...this.#specs.values()].map((spec) => {
      const byTarget = this.#rounds.get(spec.id) as Map<TargetName, number[]>;
      const values: Figure['values'] = {};
      for (const [target, rounds] of byTarget) {
        const finite = rounds.filter(Number.isFinite);
        if (finite.length > 0) values[target] = summarise(finite);
      }
      const reference = values[REFERENCE]?.median;
      const ratios: Figure['ratios'] = {};
      for (const target of targets) ratios[target] = ratio(values[target]?.median, reference);
      return { ...spec, values, ratios };
    });
  }
}

function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** One markdown table: median, spread across rounds, and the ratio to the reference per target. */
export function markdownTable(figures: readonly Figure[], targets: readonly TargetName[]): string {
  const header = `| figure | unit | ${targets.join(' | ')} |`;
  const rule = `|---|---|${targets.map(() => '---:').join('|')}|`;
  const rows = figures.map((figure) => {
    const cells = targets.map((target) => {
      const value = figure.values[target];
      if (!value) return 'n/a';
      const r = figure.ratios[target];
      const spread = value.rounds.length > 1 ? ` ±${Math.round(value.spreadPct / 2)}%` : '';
      return `${formatNumber(value.median)}${spread}${r === null || r === undefined ? '' : ` (${r.toFixed(2)}×)`}`;
    });
    return `| ${figure.label} | ${figure.unit}${figure.better === 'higher' ? ' ↑' : ' ↓'} | ${cells.join(' | ')} |`;
  });
  return [header, rule, ...rows].join('\n');
}
