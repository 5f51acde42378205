// Prints the one results table: each figure's median (min–max over runs) per dialect, its target
// and whether the median meets it.
import { meets, type Metric, type Target } from './metrics.js';
import type { Dialect } from './options.js';
import { summarize } from './stats.js';

export interface Row {
  item: number;
  key: string;
  label: string;
  unit: Metric['unit'];
  /** The figure's target (a row's dialects may each have their own: see targetOf). */
  target: Target | undefined;
  byDialect: Partial<Record<Dialect, Metric>>;
  note: string | undefined;
}

export function joinRows(results: Array<{ dialect: Dialect; metrics: Metric[] }>): Row[] {
  const rows = new Map<string, Row>();
  for (const { dialect, metrics } of results) {
    for (const m of metrics) {
      let row = rows.get(m.key);
      if (!row) rows.set(m.key, (row = { item: m.item, key: m.key, label: m.label, unit: m.unit, target: m.target, byDialect: {}, note: m.note }));
      row.byDialect[dialect] = m;
    }
  }
  return [...rows.values()].sort((a, b) => a.item - b.item);
}

export function formatNumber(v: number, unit: Metric['unit']): string {
  if (!Number.isFinite(v)) return '—';
  switch (unit) {
    case '/s':
    case 'count':
      return Math.round(v).toLocaleString('en-US');
    case 'x':
      return v.toFixed(2);
    case '%':
      return v.toFixed(0);
    default: {
      const abs = Math.abs(v);
      const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
      return v.toFixed(digits);
    }
  }
}

const unitSuffix = (u: Metric['unit']) => (u === 'x' ? '×' : u === 'count' ? '' : u === 'us' ? ' µs' : u === '%' ? '%' : ` ${u}`);

export function cell(m: Metric | undefined): string {
  if (!m) return 'n/a';
  const s = summarize(m.runs);
  const mid = formatNumber(s.median, m.unit);
  const spread = m.runs.length > 1 && s.min !== s.max ? ` (${formatNumber(s.min, m.unit)}–${formatNumber(s.max, m.unit)})` : '';
  return `${mid}${spread}${unitSuffix(m.unit)}`;
}

export function targetText(t: Target | undefined, unit: Metric['unit']): string {
  if (!t) return '';
  return `${t.op === '==' ? '=' : t.op === '<=' ? '≤' : '≥'} ${formatNumber(t.value, unit)}${unitSuffix(unit)}`;
}

/** The target a dialect's figure is held to: its own metric's, else the row's. */
const targetOf = (row: Row, dialect: Dialect): Target | undefined => row.byDialect[dialect]?.target ?? row.target;

/** The row's targets: one, or each dialect's when they differ ("≤ 1.50× / ≤ 2.50×", in the table's dialect order). */
function targetsText(row: Row, dialects: Dialect[]): string {
  const texts = [...new Set(dialects.filter((d) => row.byDialect[d]).map((d) => targetText(targetOf(row, d), row.unit)))];
  return texts.length > 0 ? texts.join(' / ') : targetText(row.target, row.unit);
}

export function verdict(row: Row, dialect: Dialect): string {
  const m = row.byDialect[dialect];
  const target = targetOf(row, dialect);
  if (!target || !m) return '';
  return meets(summarize(m.runs).median, target) ? 'met' : 'MISSED';
}

export function renderTable(rows: Row[], dialects: Dialect[]): string {
  const header = ['#', 'figure', ...dialects, 'target', ...dialects.map((d) => `${d} vs target`)];
  const body = rows.map((r) => [
    String(r.item),
    r.label + (r.note ? ` [${r.note}]` : ''),
    ...dialects.map((d) => cell(r.byDialect[d])),
    targetsText(r, dialects),
    ...dialects.map((d) => verdict(r, d)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join('\n');
}
