// Command-line options of `npm run bench`.
import { parseArgs } from 'node:util';

export const ITEMS = ['overhead', 'delivery', 'throughput', 'start', 'footprint', 'gateway'] as const;
export type ItemName = (typeof ITEMS)[number];
export type Dialect = 'sqlite' | 'postgres';

export interface BenchOptions {
  quick: boolean;
  items: ItemName[];
  dialects: Dialect[];
  /** Admin URL of the PostgreSQL server; each server gets a fresh database next to it. */
  postgresUrl: string;
  /** Start every server under `node --cpu-prof`, profiles in bench/results/prof. */
  cpuProf: boolean;
  /** Repeats per figure (default: 5, or 2 with --quick; some items cap it, see each item). */
  runs: number | undefined;
  /** Hard limit for the whole run; past it the runner stops its servers and exits 1. */
  budgetMs: number;
  /** Before each item, wait up to this long for the machine to go quiet (other processes' CPU). */
  waitQuietMs: number;
  /** Which sandbox variants items 3 and 4 run (--sandboxes default,none). */
  sandboxes: string[] | undefined;
  /** Concurrency levels of item 3 (--sessions 10,100,1000). */
  sessions: number[] | undefined;
  /** Extra environment for every agentd server (--server-env KEY=VALUE), for experiments. */
  serverEnv: Record<string, string>;
}

const USAGE = `usage: npm run bench -- [--quick] [--only <item>[,<item>...]] [--dialects sqlite,postgres]
                         [--database-url postgres://...] [--cpu-prof] [--runs <n>] [--budget-minutes <m>]
                         [--server-env KEY=VALUE ...] [--wait-quiet <minutes>] [--sessions 10,100,1000]
                         [--sandboxes default,none]
items: 1|overhead 2|delivery 3|throughput 4|start 5|footprint 7|gateway (6 = the same on PostgreSQL)`;

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      dialects: { type: 'string', default: 'sqlite,postgres' },
      'database-url': { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      runs: { type: 'string' },
      'budget-minutes': { type: 'string' },
      sessions: { type: 'string' },
      sandboxes: { type: 'string' },
      'wait-quiet': { type: 'string', default: '0' },
      'server-env': { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const items = values.only ? values.only.split(',').map((s) => itemName(s.trim())) : [...ITEMS];
  const dialects = values.dialects.split(',').map((d) => {
    if (d !== 'sqlite' && d !== 'postgres') throw new Error(`unknown dialect "${d}"\n${USAGE}`);
    return d;
  });
  const runs = values.runs === undefined ? undefined : Number(values.runs);
  if (runs !== undefined && (!Number.isInteger(runs) || runs < 1)) throw new Error(`--runs must be a positive integer\n${USAGE}`);
  const budget = Number(values['budget-minutes'] ?? (values.quick ? 6 : 25));
  return {
    quick: values.quick,
    items,
    dialects,
    postgresUrl:
      values['database-url'] ??
      process.env.AGENTD_BENCH_DATABASE_URL ??
      process.env.AGENTD_TEST_DATABASE_URL ??
      'postgres://postgres@127.0.0.1:5432/postgres',
    cpuProf: values['cpu-prof'],
    runs,
    budgetMs: budget * 60_000,
    sandboxes: values.sandboxes?.split(','),
    sessions: values.sessions?.split(',').map((n) => {
      const v = Number(n);
      if (!Number.isInteger(v) || v < 1) throw new Error(`--sessions takes positive integers, not "${n}"\n${USAGE}`);
      return v;
    }),
    waitQuietMs: Number(values['wait-quiet']) * 60_000,
    serverEnv: Object.fromEntries(
      values['server-env'].map((kv) => {
        const eq = kv.indexOf('=');
        if (eq <= 0) throw new Error(`--server-env takes KEY=VALUE, not "${kv}"\n${USAGE}`);
        return [kv.slice(0, eq), kv.slice(eq + 1)];
      }),
    ),
  };
}

function itemName(raw: string): ItemName {
  const byNumber: Record<string, ItemName> = { '1': 'overhead', '2': 'delivery', '3': 'throughput', '4': 'start', '5': 'footprint', '7': 'gateway' };
  const name = byNumber[raw] ?? raw;
  if (!(ITEMS as readonly string[]).includes(name)) throw new Error(`unknown item "${raw}"\n${USAGE}`);
  return name as ItemName;
}
