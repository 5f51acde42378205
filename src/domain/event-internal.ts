// Engine data stored with events (`EventRecord.internal`), never shown to clients.
import type { BetaContentBlock, BetaStopReason } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { SessionAgent } from '../api/wire.js';

/** span.model_request_start: the queued client events this request consumed. */
export interface RequestStartInternal {
  consumed: string[];
}

/** span.model_request_end: the assistant turn exactly as returned, for faithful replay. */
export interface RequestEndInternal {
  content: BetaContentBlock[];
  stop_reason: BetaStopReason | null;
  context_tokens: number;
}

/**
 * agent.tool_use / agent.custom_tool_use / agent.mcp_tool_use: the model's id, and whether
 * execution began — set durably before a built-in or MCP tool runs, so a crash never leads to running it twice.
 */
export interface ToolUseInternal {
  tool_use_id: string;
  /** server: a provider server tool (web search/fetch), run inside the model call; never a call agentd answers. */
  kind: 'builtin' | 'custom' | 'delegate' | 'mcp' | 'server';
  started?: boolean;
  /** delegate calls: the thread that works on it. */
  thread?: string;
}

/** session.thread_created: the roster agent the thread runs, pinned. */
export interface ThreadCreatedInternal {
  agent: SessionAgent;
}

/** agent.thread_message_sent: the coordinator's call the receiving thread answers. */
export interface MessageSentInternal {
  call: string;
}

/** agent.thread_context_compacted: the summary that replaces earlier history. */
export interface CompactedInternal {
  summary: string;
}

/** session.status_idle after an interrupt: calls still open at that point are void. */
export interface IdleInternal {
  interrupted?: boolean;
  /** The turn ended on an error with every call answered: the model is not called again until new input. */
  endsTurn?: boolean;
}

/** session.error about a resource that could not be materialised: which one, at which version. */
export interface MountErrorInternal {
  resource_id: string;
  resource_updated_at: string;
}

/** Which engine data each event type carries. */
export interface EngineInternals {
  'span.model_request_start': RequestStartInternal;
  'span.model_request_end': RequestEndInternal;
  'agent.tool_use': ToolUseInternal;
  'agent.custom_tool_use': ToolUseInternal;
  'agent.mcp_tool_use': ToolUseInternal;
  'agent.thread_context_compacted': CompactedInternal;
  'session.status_idle': IdleInternal;
  'session.thread_status_idle': IdleInternal;
  'session.thread_created': ThreadCreatedInternal;
  'session.error': MountErrorInternal;
  'agent.thread_message_sent': MessageSentInternal;
}
