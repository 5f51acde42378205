// What the engine needs to know about a model: its context window, output cap, thinking mode, and
// which of the agent's model settings it takes (effort levels, fast mode, inference geo).

export type EffortLevel = 'low' | 'medium' | 'high' | 'xhigh' | 'max';

export interface ModelTraits {
  contextWindow: number;
  maxOutputTokens: number;
  /** 'adaptive': send `thinking: {type:'adaptive'}`; 'always': thinking is built in, send nothing; 'none'. */
  thinking: 'adaptive' | 'always' | 'none';
  /** The `output_config.effort` levels it accepts; empty: effort is refused (Haiku 4.5, unknown models). */
  effort: readonly EffortLevel[];
  /** Whether `speed: "fast"` is offered. */
  fast: boolean;
  /** Whether `inference_geo` is accepted (Opus/Sonnet 4.6 and later). */
  inferenceGeo: boolean;
}

const ALL_EFFORT: readonly EffortLevel[] = ['low', 'medium', 'high', 'xhigh', 'max'];
const NO_XHIGH: readonly EffortLevel[] = ['low', 'medium', 'high', 'max'];
const BASIC_EFFORT: readonly EffortLevel[] = ['low', 'medium', 'high'];

const TRAITS: Array<[RegExp, ModelTraits]> = [
  [/^claude-(fable|mythos)-/, { contextWindow: 1_000_000, maxOutputTokens: 128_000, thinking: 'always', effort: ALL_EFFORT, fast: false, inferenceGeo: true }],
  [/^claude-opus-4-[78]/, { contextWindow: 1_000_000, maxOutputTokens: 128_000, thinking: 'adaptive', effort: ALL_EFFORT, fast: true, inferenceGeo: true }],
  [/^claude-opus-4-6/, { contextWindow: 1_000_000, maxOutputTokens: 128_000, thinking: 'adaptive', effort: NO_XHIGH, fast: true, inferenceGeo: true }],
  [/^claude-(opus|sonnet|haiku)-5/, { contextWindow: 1_000_000, maxOutputTokens: 128_000, thinking: 'adaptive', effort: ALL_EFFORT, fast: false, inferenceGeo: true }],
  [/^claude-sonnet-4-6/, { contextWindow: 1_000_000, maxOutputTokens: 64_000, thinking: 'adaptive', effort: NO_XHIGH, fast: false, inferenceGeo: true }],
  [/^claude-opus-4-5/, { contextWindow: 200_000, maxOutputTokens: 64_000, thinking: 'none', effort: BASIC_EFFORT, fast: false, inferenceGeo: false }],
  [/^claude-haiku-4-5/, { contextWindow: 200_000, maxOutputTokens: 64_000, thinking: 'none', effort: [], fast: false, inferenceGeo: false }],
];

/** Unknown models get conservative traits: 200K context, no thinking parameter, no model settings. */
export function modelTraits(model: string): ModelTraits {
  for (const [pattern, traits] of TRAITS) if (pattern.test(model)) return traits;
  return { contextWindow: 200_000, maxOutputTokens: 32_000, thinking: 'none', effort: [], fast: false, inferenceGeo: false };
}

/** Compact once a context exceeds `configured` tokens, or 80% of the model's window by default. */
export const compactionThreshold = (model: string, configured: number | undefined): number =>
  configured ?? Math.floor(modelTraits(model).contextWindow * 0.8);
