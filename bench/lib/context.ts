// What every item gets from the runner: the dialect, options, the shared fake model, and a
// way to start agentd servers (which the runner tracks, profiles and stops).
import type { FakeAnthropic } from '../../test/helpers/fake-anthropic/index.js';
import type { Agentd } from './agentd.js';
import type { Metric } from './metrics.js';
import type { BenchOptions, Dialect } from './options.js';

export interface StartOptions {
  /** Run agent loops against the fake model (default true); false sets AGENTD_ENGINE=off. */
  engine?: boolean;
  env?: Record<string, string>;
  nodeArgs?: string[];
  reuse?: { dataDir: string; databaseUrl: string | undefined };
  /** Another agentd entry point (default: the compiled CLI in dist/). */
  bin?: string;
}

export interface ItemContext {
  dialect: Dialect;
  opts: BenchOptions;
  model: FakeAnthropic;
  /** Repeats for this item: --runs, else `full` (or `quick` with --quick). */
  runs(full: number, quick: number): number;
  start(label: string, o?: StartOptions): Promise<Agentd>;
  log(message: string): void;
}

export interface ItemResult {
  metrics: Metric[];
  /** Anything else worth keeping in the JSON results (raw samples, notes). */
  details?: Record<string, unknown>;
}

export type Item = (ctx: ItemContext) => Promise<ItemResult>;
