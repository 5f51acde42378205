// Human output: aligned tables for lists and key/value blocks for one resource; --json prints the
// API's objects as they came (one JSON document, for scripts and jq).
export type Cell = string | number | boolean | null | undefined;

export interface Column {
  header: string;
  /** A dotted path into the object (`model.id`), or a function of it. */
  value: string | ((row: Record<string, unknown>) => Cell);
}

const MAX_CELL = 48;

function at(row: Record<string, unknown>, dotted: string): unknown {
  let v: unknown = row;
  for (const part of dotted.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

function cellText(v: unknown): string {
  if (v === null || v === undefined || v === '') return '-';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  const flat = s.replace(/\s+/g, ' ');
  return flat.length <= MAX_CELL ? flat : `${flat.slice(0, MAX_CELL - 1)}…`;
}

export function table(rows: readonly Record<string, unknown>[], columns: readonly Column[]): string {
  const cells = rows.map((r) => columns.map((c) => cellText(typeof c.value === 'string' ? at(r, c.value) : c.value(r))));
  const headers = columns.map((c) => c.header);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

/** One resource: its top-level fields, nested values as compact JSON. */
export function details(obj: Record<string, unknown>): string {
  const keys = Object.keys(obj);
  const width = Math.max(...keys.map((k) => k.length));
  return (
    keys
      .map((k) => {
        const v = obj[k];
        const text = v === null || v === undefined ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v);
        return `${k.padEnd(width)}  ${text}`;
      })
      .join('\n') + '\n'
  );
}

export const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
