// The provider's server tool blocks (web search, web fetch) as session events: the model's
// `server_tool_use` is an `agent.tool_use` (the provider already ran it: permission allow), and its
// `web_search_tool_result` / `web_fetch_tool_result` an `agent.tool_result` pointing at that event.
// The blocks themselves stay in the recorded assistant turn, which is replayed as returned.
import type {
  BetaContentBlock,
  BetaServerToolUseBlock,
  BetaWebFetchToolResultBlock,
  BetaWebSearchToolResultBlock,
} from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { NewEvent, WireEvent } from '../records/event.js';
import { engineEvent } from './engine-event.js';
import type { ChangeEnv } from './log-changes.js';

type ResultContent = NonNullable<WireEvent<'agent.tool_result'>['content']>;
export type WebServerToolUse = BetaServerToolUseBlock & { name: 'web_search' | 'web_fetch' };
export type WebServerToolResult = BetaWebSearchToolResultBlock | BetaWebFetchToolResultBlock;

export const isWebServerToolUse = (b: BetaContentBlock): b is WebServerToolUse =>
  b.type === 'server_tool_use' && (b.name === 'web_search' || b.name === 'web_fetch');

export const isWebServerToolResult = (b: BetaContentBlock): b is WebServerToolResult =>
  b.type === 'web_search_tool_result' || b.type === 'web_fetch_tool_result';

export function serverToolUseEvent(block: WebServerToolUse, thread: string, env: ChangeEnv): NewEvent<'agent.tool_use'> {
  return engineEvent('agent.tool_use', { name: block.name, input: block.input ?? {}, evaluated_permission: 'allow' }, env, {
    thread,
    internal: { tool_use_id: block.id, kind: 'server' },
  });
}

/** Search hits as `search_result` blocks (their text is encrypted for the model only); a fetched page as a `document`. */
function resultContent(block: WebServerToolResult): { content: ResultContent; is_error: boolean } {
  const failed = (code: string) => ({ content: [{ type: 'text' as const, text: `${block.type === 'web_search_tool_result' ? 'web_search' : 'web_fetch'} failed: ${code}` }], is_error: true });
  if (block.type === 'web_search_tool_result') {
    if (!Array.isArray(block.content)) return failed(block.content.error_code);
    return {
      content: block.content.map((r) => ({ type: 'search_result' as const, source: r.url, title: r.title, content: [], citations: { enabled: true } })),
      is_error: false,
    };
  }
  const c = block.content;
  if (c.type === 'web_fetch_tool_result_error') return failed(c.error_code);
  const source = c.content.source;
  return {
    content: [
      {
        type: 'document',
        source: source.type === 'base64' ? { type: 'base64', media_type: source.media_type, data: source.data } : { type: 'text', media_type: 'text/plain', data: source.data },
        title: c.content.title ?? c.url,
      },
    ],
    is_error: false,
  };
}

/** `useEventId`: the agent.tool_use event of the block's server_tool_use. */
export function serverToolResultEvent(block: WebServerToolResult, useEventId: string, thread: string, env: ChangeEnv): NewEvent<'agent.tool_result'> {
  return engineEvent('agent.tool_result', { tool_use_id: useEventId, ...resultContent(block) }, env, { thread });
}
