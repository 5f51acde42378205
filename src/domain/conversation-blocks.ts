// Messages API content built from log events: user turns from client input, tool results.
import type { BetaContentBlockParam, BetaMessageParam, BetaToolResultBlockParam } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { EventRecord, WireEvent } from './records/event.js';
import type { InputEvent, ToolCall } from './session-state.js';

/** Adds blocks to the trailing user turn, keeping tool_result blocks first (an API rule). */
export function appendUserBlocks(messages: BetaMessageParam[], blocks: BetaContentBlockParam[]): void {
  if (blocks.length === 0) return;
  const last = messages[messages.length - 1];
  if (!last || last.role !== 'user') {
    messages.push({ role: 'user', content: [...blocks] });
    return;
  }
  const content: BetaContentBlockParam[] = typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : [...last.content];
  for (const block of blocks) {
    if (block.type === 'tool_result') {
      const firstOther = content.findIndex((b) => b.type !== 'tool_result');
      content.splice(firstOther === -1 ? content.length : firstOther, 0, block);
    } else {
      content.push(block);
    }
  }
  last.content = content;
}

/** The user-visible content of an input event, as Messages API blocks (system.message has none). */
export function inputBlocks(e: InputEvent): BetaContentBlockParam[] {
  if (e.type === 'user.message') return e.body.content as BetaContentBlockParam[];
  if (e.type === 'user.define_outcome') {
    const { rubric } = e.body;
    const intro = `Outcome to achieve: ${e.body.description}\n\nA grader will check your work against this rubric when your turn ends`;
    // A file rubric travels as a document block; the model client inlines it from the Files API.
    return rubric.type === 'text'
      ? [{ type: 'text', text: `${intro}:\n${rubric.content}` }]
      : [{ type: 'text', text: `${intro} (attached).` }, { type: 'document', source: { type: 'file', file_id: rubric.file_id } }];
  }
  return [];
}

/** The text a system.message adds to the system prompt. */
export const systemText = (e: EventRecord<'system.message'>) => e.body.content.map((b) => b.text).join('\n');

/** Text of the queued system.message events among `inputs`, in order. */
export const systemTexts = (inputs: readonly InputEvent[]) =>
  inputs.flatMap((e) => (e.type === 'system.message' ? [systemText(e)] : []));

/** The tool_result block a call contributes to the conversation. */
export function toolResultBlock(call: ToolCall): BetaToolResultBlockParam {
  if (call.result) {
    const block: BetaToolResultBlockParam = { type: 'tool_result', tool_use_id: call.toolUseId, is_error: call.result.isError };
    // The API rejects empty text blocks; a command that printed nothing still has a result.
    const content = (typeof call.result.content === 'string' ? [{ type: 'text' as const, text: call.result.content }] : (call.result.content ?? []))
      .filter((b) => b.type !== 'text' || b.text.trim() !== '');
    block.content = content.length > 0 ? content : [{ type: 'text', text: '(no output)' }];
    return block;
  }
  return {
    type: 'tool_result',
    tool_use_id: call.toolUseId,
    is_error: true,
    content: [{ type: 'text', text: 'The user interrupted before this tool call completed.' }],
  };
}

/** Tool result content as the session log carries it (agent.tool_result, user.*_tool_result). */
export type WireToolResultContent = NonNullable<WireEvent<'agent.tool_result'>['content']>;
/** Tool result content as the Messages API takes it (and tools produce it). */
export type ModelToolResultContent = Exclude<BetaToolResultBlockParam['content'], string | undefined>;

// The two SDKs name the same JSON blocks (text, image, document, search result) differently.
export const toWireContent = (c: ModelToolResultContent) => c as WireToolResultContent;
export const toModelContent = (c: WireToolResultContent | undefined) => c as ModelToolResultContent | undefined;
