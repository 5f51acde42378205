// Scrapes agentd's GET /metrics over real HTTP and reads it with a Prometheus text-format parser
// (parse-prometheus-text-format). That parser merges a labelled histogram's series into one, so a
// histogram's per-series observation count is read from its `_count` sample lines instead.
import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export class Scrape {
  readonly families: PromFamily[];

  constructor(readonly text: string) {
    this.families = parsePrometheusTextFormat(text);
  }

  family(name: string): PromFamily | undefined {
    return this.families.find((f) => f.name === name);
  }

  /** The value of the sample of `name` whose labels include `labels` (0 when there is none). */
  value(name: string, labels: Record<string, string> = {}): number {
    const sample = this.family(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    return sample ? Number(sample.value ?? sample.count ?? 0) : 0;
  }

  /** A histogram's observation count for the series whose labels include `labels` (0 when there is none). */
  count(name: string, labels: Record<string, string> = {}): number {
    for (const line of this.text.split('\n')) {
      const m = SAMPLE_LINE.exec(line);
      if (!m || m[1] !== `${name}_count`) continue;
      const got = Object.fromEntries([...(m[2] ?? '').matchAll(LABEL)].map((l) => [l[1], l[2]]));
      if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
    }
    return 0;
  }
}

export async function scrape(url: string, headers: Record<string, string>): Promise<{ status: number; contentType: string | null; scrape: Scrape }> {
  const res = await fetch(`${url}/metrics`, { headers });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type'), scrape: new Scrape(res.ok ? text : '') };
}
