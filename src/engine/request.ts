// Builds the Messages API request for a session's next turn, with prompt-cache breakpoints on
// the stable prefix (tools, system, history) as prompt-caching.md describes.
import type {
  BetaContentBlockParam,
  BetaMessageParam,
  BetaTextBlockParam,
  BetaToolUnion,
} from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { SessionAgent } from '../api/wire.js';
import { modelTraits } from '../domain/models.js';
import { requestSettings } from '../domain/model-settings.js';
import { appendUserBlocks, inputBlocks, systemTexts } from '../domain/conversation-blocks.js';
import type { InputEvent, ThreadState } from '../domain/session-state.js';
import type { ModelRequest } from './model/model-client.js';

const CACHE = { type: 'ephemeral' } as const;

export interface RequestOptions {
  maxOutputTokens: number;
  /** What the session's mounts add to the system prompt (memory stores, skills), after the agent's own. */
  mountNotes?: readonly string[] | undefined;
}

function systemBlocks(agent: SessionAgent, notes: readonly string[], additions: string[]): BetaTextBlockParam[] {
  const texts = [agent.system ?? '', ...notes, ...additions].filter((t) => t.trim() !== '');
  const blocks: BetaTextBlockParam[] = texts.map((text) => ({ type: 'text', text }));
  const last = blocks[blocks.length - 1];
  if (last) last.cache_control = CACHE;
  return blocks;
}

function withCachedTail(tools: BetaToolUnion[]): BetaToolUnion[] {
  if (tools.length === 0) return tools;
  const out = tools.slice();
  out[out.length - 1] = { ...out[out.length - 1], cache_control: CACHE } as BetaToolUnion;
  return out;
}

/** Marks the last cacheable block of the last message, so the whole history is one cached prefix. */
function cacheHistory(messages: BetaMessageParam[]): void {
  const content = messages[messages.length - 1]?.content;
  if (!content || typeof content === 'string') return;
  for (let i = content.length - 1; i >= 0; i--) {
    const block = content[i]!;
    if (block.type === 'thinking' || block.type === 'redacted_thinking') continue;
    if (block.type === 'text' && block.text.trim() === '') continue;
    content[i] = { ...block, cache_control: CACHE } as BetaContentBlockParam;
    return;
  }
}

/**
 * The history as this request may change it: a new array whose last message (the only one
 * `appendUserBlocks` and `cacheHistory` touch) and its content are copies; earlier messages are
 * shared with the session's state, which nothing downstream mutates (file sources are resolved
 * copy-on-write). A deep clone of the whole history per model call was ~5 % of the server's time.
 */
function historyForRequest(history: readonly BetaMessageParam[]): BetaMessageParam[] {
  const messages = history.slice();
  const last = messages[messages.length - 1];
  if (last) messages[messages.length - 1] = { ...last, content: Array.isArray(last.content) ? [...last.content] : last.content } as BetaMessageParam;
  return messages;
}

/**
 * `pending` is the queued input this request consumes; it goes after the history (and after any
 * tool results, which the API wants first in their turn).
 */
export function buildRequest(
  agent: SessionAgent,
  conversation: Pick<ThreadState, 'messages' | 'systemAdditions'>,
  pending: readonly InputEvent[],
  tools: BetaToolUnion[],
  opts: RequestOptions,
): ModelRequest {
  const messages = historyForRequest(conversation.messages);
  for (const input of pending) appendUserBlocks(messages, inputBlocks(input));
  cacheHistory(messages);

  const traits = modelTraits(agent.model.id);
  const request: ModelRequest = {
    model: agent.model.id,
    max_tokens: Math.min(opts.maxOutputTokens, traits.maxOutputTokens),
    messages,
  };
  const system = systemBlocks(agent, opts.mountNotes ?? [], [...conversation.systemAdditions, ...systemTexts(pending)]);
  if (system.length > 0) request.system = system;
  if (tools.length > 0) request.tools = withCachedTail(tools);
  if (traits.thinking === 'adaptive') request.thinking = { type: 'adaptive' };
  // The agent's effort, speed and inference geo, in the request's own fields (and the betas they need).
  const settings = requestSettings(agent.model);
  Object.assign(request, settings.fields);
  if (settings.betas.length > 0) request.betas = settings.betas;
  return request;
}
