// What an item reports: named figures, each a list of per-run values, with an optional target.

export type Unit = 'ms' | 'us' | '/s' | 'KB' | 'MB' | 'x' | 'count' | '%';

export interface Target {
  op: '<=' | '>=' | '==';
  value: number;
}

export interface Metric {
  /** Stable key across dialects (the table joins on it). */
  key: string;
  /** The item it belongs to (1..5). */
  item: number;
  label: string;
  unit: Unit;
  /** One value per repeated run; the table shows their median and min–max. */
  runs: number[];
  target?: Target;
  /** Only a note for the table (e.g. "direct sandbox"). */
  note?: string;
}

export function metric(item: number, key: string, label: string, unit: Unit, runs: number[], extra: { target?: Target; note?: string } = {}): Metric {
  return { item, key, label, unit, runs, ...extra };
}

export function meets(value: number, target: Target): boolean {
  if (!Number.isFinite(value)) return false;
  switch (target.op) {
    case '<=':
      return value <= target.value;
    case '>=':
      return value >= target.value;
    case '==':
      return value === target.value;
  }
}
