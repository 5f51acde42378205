// The list-price table: what a model call costs, per model and token kind, in exact integer nano-dollars.
import fs from 'node:fs';

/** USD per million tokens, as the pricing page states them. */
export interface ModelPrice {
  input: number;
  output: number;
  /** Writes to the 5-minute cache (1.25× input). */
  cacheWrite5m: number;
  /** Writes to the 1-hour cache (2× input). */
  cacheWrite1h: number;
  /** Cache hits and refreshes (0.1× input). */
  cacheRead: number;
  /**
   * Long-context pricing: a request whose input (uncached + cached + cache writes) exceeds `thresholdTokens` pays
   * every input kind × `inputMultiplier` and output × `outputMultiplier` (Sonnet 4 and 4.5 with the 1M window).
   */
  longContext?: { thresholdTokens: number; inputMultiplier: number; outputMultiplier: number } | undefined;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreation5mInputTokens: number;
  cacheCreation1hInputTokens: number;
}

/** The Batch API bills half of the standard price for every token kind. */
export const BATCH_DISCOUNT = 0.5;

const standard = (input: number, output: number): ModelPrice => ({
  input,
  output,
  cacheWrite5m: input * 1.25,
  cacheWrite1h: input * 2,
  cacheRead: input / 10,
});

const SONNET_LONG_CONTEXT = { thresholdTokens: 200_000, inputMultiplier: 2, outputMultiplier: 1.5 };

/**
 * Published list prices (platform.claude.com/docs/en/about-claude/pricing). Patterns match the alias and its
 * dated ids; the first match wins. Fable 5 and Mythos 5 read cache hits at $1 (not 0.1× input).
 */
const DEFAULT_PRICES: ReadonlyArray<readonly [RegExp, ModelPrice]> = [
  [/^claude-(fable|mythos)-5(?!-\d)/, { ...standard(10, 50), cacheRead: 1 }],
  [/^claude-opus-4-(5|6|7|8)/, standard(5, 25)],
  [/^claude-opus-5/, standard(5, 25)],
  [/^claude-opus-4-1/, standard(15, 75)],
  [/^claude-opus-4(-0|-20250514)/, standard(15, 75)],
  [/^claude-sonnet-4-6/, standard(3, 15)],
  [/^claude-sonnet-4-5/, { ...standard(3, 15), longContext: SONNET_LONG_CONTEXT }],
  [/^claude-sonnet-4(-0|-20250514)/, { ...standard(3, 15), longContext: SONNET_LONG_CONTEXT }],
  [/^claude-haiku-4-5/, standard(1, 5)],
  [/^claude-3-haiku/, { input: 0.25, output: 1.25, cacheWrite5m: 0.3, cacheWrite1h: 0.5, cacheRead: 0.03 }],
];

export interface PriceTable {
  /** The price of `model`, trying each id in turn (as asked, as answered, as sent to the provider). */
  priceOf(...models: Array<string | undefined>): ModelPrice | undefined;
}

type Override = { match: (model: string) => boolean; price: ModelPrice };

/** Bedrock/Vertex spellings of a model id, reduced to the first-party id the table knows. */
export function canonicalModelId(model: string): string {
  return model
    .replace(/^arn:aws:bedrock:[^/]*\/(?:[^/]*\/)?/, '')
    .replace(/^(?:[a-z]{2,6}\.)?anthropic\./, '')
    .replace(/-v\d+(?::\d+)?$/, '')
    .replace(/@\d{8}$/, '');
}

export function createPriceTable(overrides: readonly Override[] = []): PriceTable {
  const lookup = (model: string): ModelPrice | undefined => {
    for (const o of overrides) if (o.match(model)) return o.price;
    const id = canonicalModelId(model);
    for (const o of overrides) if (o.match(id)) return o.price;
    for (const [pattern, price] of DEFAULT_PRICES) if (pattern.test(id)) return price;
    return undefined;
  };
  // Every call is priced (a gateway relays hundreds a second) from a handful of model ids: each id's price is looked
  // up once. Ids come from clients, so the memo is bounded (cleared when full) rather than grown without end.
  const memo = new Map<string, ModelPrice | null>();
  const remembered = (model: string): ModelPrice | undefined => {
    let price = memo.get(model);
    if (price === undefined) {
      price = lookup(model) ?? null;
      if (memo.size >= PRICE_MEMO_SIZE) memo.clear();
      memo.set(model, price);
    }
    return price ?? undefined;
  };
  return {
    priceOf: (...models) => {
      for (const m of models) {
        const price = m ? remembered(m) : undefined;
        if (price) return price;
      }
      return undefined;
    },
  };
}

const PRICE_MEMO_SIZE = 256;

/** Rates are kept in pico-dollars per token (USD/MTok × 1e6) so that any price with six decimals is exact. */
const picoPerToken = (usdPerMTok: number): number => Math.round(usdPerMTok * 1e6);

/** The list cost of one call in nano-dollars (exact integer; rounded once, at the end). */
export function listCostNanoUsd(price: ModelPrice, usage: TokenUsage, opts: { batch?: boolean } = {}): number {
  const promptTokens =
    usage.inputTokens + usage.cacheReadInputTokens + usage.cacheCreation5mInputTokens + usage.cacheCreation1hInputTokens;
  const long = price.longContext && promptTokens > price.longContext.thresholdTokens ? price.longContext : undefined;
  const inMul = long?.inputMultiplier ?? 1;
  const outMul = long?.outputMultiplier ?? 1;
  const pico =
    usage.inputTokens * picoPerToken(price.input * inMul) +
    usage.outputTokens * picoPerToken(price.output * outMul) +
    usage.cacheReadInputTokens * picoPerToken(price.cacheRead * inMul) +
    usage.cacheCreation5mInputTokens * picoPerToken(price.cacheWrite5m * inMul) +
    usage.cacheCreation1hInputTokens * picoPerToken(price.cacheWrite1h * inMul);
  return Math.round((pico * (opts.batch ? BATCH_DISCOUNT : 1)) / 1000);
}

const PRICE_FIELDS = {
  input: 'input',
  output: 'output',
  cache_write_5m: 'cacheWrite5m',
  cache_write_1h: 'cacheWrite1h',
  cache_read: 'cacheRead',
} as const;

function parseOverride(key: string, raw: unknown): Override {
  const where = `AGENTD_PRICES["${key}"]`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where} must be an object of USD-per-million-token prices`);
  const entry = raw as Record<string, unknown>;
  for (const [field, value] of Object.entries(entry)) {
    if (!(field in PRICE_FIELDS)) {
      throw new Error(`${where}.${field} is not a price field (expected ${Object.keys(PRICE_FIELDS).join(', ')})`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new Error(`${where}.${field} must be a non-negative number`);
  }
  if (typeof entry['input'] !== 'number' || typeof entry['output'] !== 'number') {
    throw new Error(`${where} needs at least "input" and "output" (USD per million tokens)`);
  }
  const price = standard(entry['input'], entry['output']);
  for (const [field, prop] of Object.entries(PRICE_FIELDS)) {
    if (typeof entry[field] === 'number') price[prop] = entry[field] as number;
  }
  const prefix = key.endsWith('*') ? key.slice(0, -1) : undefined;
  return { match: prefix !== undefined ? (m) => m.startsWith(prefix) : (m) => m === key, price };
}

/**
 * AGENTD_PRICES: a JSON object (or the path of a file holding one) of model id → USD per million tokens, e.g.
 * `{"claude-sonnet-4-6": {"input": 2.4, "output": 12}, "my-model*": {...}}`. Cache prices default to the standard
 * multiples of `input`. Entries win over the built-in table; a trailing `*` matches a prefix.
 */
export function parsePriceOverrides(raw: string | undefined): Override[] {
  if (raw === undefined || raw.trim() === '') return [];
  const text = raw.trim().startsWith('{') ? raw : readPriceFile(raw.trim());
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`AGENTD_PRICES is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('AGENTD_PRICES must be a JSON object of model id to prices');
  }
  return Object.entries(parsed).map(([key, value]) => parseOverride(key, value));
}

function readPriceFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`AGENTD_PRICES: cannot read ${file}: ${(err as Error).message}`);
  }
}
