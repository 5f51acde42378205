// What the engine needs to know about a model: its context window, output cap and thinking mode.

export interface ModelTraits {
  contextWindow: number;
  maxOutputTokens: number;
  /** 'adaptive': send `thinking: {type:'adaptive'}`; 'always': thinking is built in, send nothing; 'none'. */
  thinking: 'adaptive' | 'always' | 'none';
}

const TRAITS: Array<[RegExp, ModelTraits]> = [
  [/^claude-(fable|mythos)-/, { contextWindow: 1_000_000, maxOutputTokens: 128_000, thinking: 'always' }],
  [/^claude-opus-4-[678]/, { contextWindow: 1_000_000, maxOutputTokens: 128_000, thinking: 'adaptive' }],
  [/^claude-(opus|sonnet|haiku)-5/, { contextWindow: 1_000_000, maxOutputTokens: 128_000, thinking: 'adaptive' }],
  [/^claude-sonnet-4-6/, { contextWindow: 1_000_000, maxOutputTokens: 64_000, thinking: 'adaptive' }],
  [/^claude-haiku-4-5/, { contextWindow: 200_000, maxOutputTokens: 64_000, thinking: 'none' }],
];

/** Unknown models get conservative traits: 200K context, no thinking parameter. */
export function modelTraits(model: string): ModelTraits {
  for (const [pattern, traits] of TRAITS) if (pattern.test(model)) return traits;
  return { contextWindow: 200_000, maxOutputTokens: 32_000, thinking: 'none' };
}

/** Compact once a context exceeds `configured` tokens, or 80% of the model's window by default. */
export const compactionThreshold = (model: string, configured: number | undefined): number =>
  configured ?? Math.floor(modelTraits(model).contextWindow * 0.8);
