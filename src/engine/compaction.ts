// Context compaction: when history nears the model's window, the model summarises it and the
// summary replaces everything before (see domain/fold.ts).
import type { BetaMessage, BetaToolUnion } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { SessionAgent } from '../api/wire.js';
import { appendUserBlocks } from '../domain/conversation-blocks.js';
import type { ThreadState } from '../domain/session-state.js';
import type { ModelRequest } from './model/model-client.js';
import { buildRequest } from './request.js';

export const COMPACTION_INSTRUCTION =
  'The conversation is about to exceed the context window. Write a summary of everything so far that ' +
  'lets you continue the task without the earlier messages: the goal, decisions made, files and ' +
  'commands involved, results of tool calls, and what remains to do. Reply with the summary only.';

export function compactionRequest(
  agent: SessionAgent,
  c: Pick<ThreadState, 'messages' | 'systemAdditions'>,
  tools: BetaToolUnion[],
  maxOutputTokens: number,
  mountNotes: readonly string[] = [],
): ModelRequest {
  const request = buildRequest(agent, c, [], tools, { maxOutputTokens, mountNotes });
  appendUserBlocks(request.messages, [{ type: 'text', text: COMPACTION_INSTRUCTION }]);
  return request;
}

export function summaryOf(message: BetaMessage): string {
  return message.content
    .filter((b) => b.type === 'text')
    .map((b) => (b as { text: string }).text)
    .join('\n')
    .trim();
}
