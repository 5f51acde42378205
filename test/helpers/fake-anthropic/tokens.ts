// Rough token counts (about four characters a token), enough for usage fields and count_tokens.
import type { ScriptedBlock } from './types.js';

const perFour = (chars: number): number => Math.max(1, Math.ceil(chars / 4));

/** Input tokens of a request: the size of what the model would read (tools, system, messages). */
export function estimateInputTokens(body: Record<string, unknown>): number {
  const { tools, system, messages } = body;
  return perFour(JSON.stringify({ tools, system, messages }).length);
}

/** Output tokens of a reply: the characters the model "wrote". Never 0, as with the real API. */
export function estimateOutputTokens(content: readonly ScriptedBlock[]): number {
  let chars = 0;
  for (const b of content) {
    if (b.type === 'text') chars += b.text.length;
    else if (b.type === 'thinking') chars += b.thinking.length;
    else if (b.type === 'redacted_thinking') chars += b.data.length;
    else if (b.type === 'tool_use' || b.type === 'server_tool_use') chars += b.name.length + JSON.stringify(b.input).length;
    // Server tool results are the provider's work, not the model's output.
  }
  return perFour(chars);
}
