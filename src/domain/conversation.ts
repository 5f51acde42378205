// Folds a session's log into the conversation the model sees and the work still open.
// Pure: the same log always yields the same state, so a restarted engine resumes exactly.
import type {
  BetaContentBlockParam,
  BetaMessageParam,
  BetaToolResultBlockParam,
} from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { EventRecord } from '../store/types.js';
import type { CompactedInternal, IdleInternal, RequestEndInternal, RequestStartInternal, ToolUseInternal } from './event-internal.js';

export interface ToolCall {
  /** The agent.tool_use / agent.custom_tool_use event id clients refer to. */
  eventId: string;
  /** The model's tool_use id. */
  toolUseId: string;
  name: string;
  input: Record<string, unknown>;
  kind: 'builtin' | 'custom';
  permission: 'allow' | 'ask' | 'deny';
  started: boolean;
  confirmation?: { result: 'allow' | 'deny'; denyMessage: string | null } | undefined;
  result?: { content: BetaToolResultBlockParam['content']; isError: boolean } | undefined;
  /** An interrupt closed this call before it produced a result. */
  interrupted: boolean;
}

export type SessionPhase = 'idle' | 'running' | 'rescheduling' | 'terminated';

export interface Conversation {
  /** System prompt additions from system.message events, in order. */
  systemAdditions: string[];
  /** History the model has seen or will see: consumed inputs, its own turns, tool results. */
  messages: BetaMessageParam[];
  /** Queued input the next model request will consume (user.message, system.message, define_outcome). */
  pendingInputs: EventRecord[];
  pendingInterrupts: EventRecord[];
  /** Queued client answers (confirmations, tool results) to stamp processed once acted on. */
  pendingAnswers: EventRecord[];
  /** Tool calls of the latest model response. */
  calls: ToolCall[];
  /** Every tool call in the session, by event id (what client answers refer to). */
  callIndex: Map<string, ToolCall>;
  /** The latest response asked for tools, so the model must be called again once they resolve. */
  needsModel: boolean;
  /** Status according to the last status event in the log. */
  phase: SessionPhase;
  /** When the last status event was idle/requires_action: the event ids it waited on. */
  waitingOn: string[] | undefined;
  /** Size of the context at the last model response (input + cache + output tokens). */
  contextTokens: number;
  /** A model request started and never ended (the process stopped mid-call). */
  openRequestId: string | undefined;
  /** The last model request failed; with phase 'rescheduling' it is due for a retry. */
  lastRequestFailed: boolean;
}

const CLIENT_INPUTS = new Set(['user.message', 'system.message', 'user.define_outcome']);
const CLIENT_ANSWERS = new Set(['user.tool_confirmation', 'user.custom_tool_result', 'user.tool_result']);

/** Adds blocks to the trailing user turn, keeping tool_result blocks first (an API rule). */
export function appendUserBlocks(messages: BetaMessageParam[], blocks: BetaContentBlockParam[]): void {
  if (blocks.length === 0) return;
  const last = messages[messages.length - 1];
  if (!last || last.role !== 'user') {
    messages.push({ role: 'user', content: [...blocks] });
    return;
  }
  const content = (typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : [...last.content]) as BetaContentBlockParam[];
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

/** The user-visible content of an input event, as Messages API blocks. */
export function inputBlocks(e: EventRecord): BetaContentBlockParam[] {
  const body = e.body as Record<string, any>;
  if (e.type === 'user.message') return body.content as BetaContentBlockParam[];
  if (e.type === 'user.define_outcome') {
    const rubric = body.rubric?.type === 'text' ? `\nRubric:\n${body.rubric.content}` : '';
    return [{ type: 'text', text: `Outcome to achieve: ${body.description}${rubric}` }];
  }
  return [];
}

function toolResultBlock(call: ToolCall): BetaToolResultBlockParam {
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

export function foldConversation(log: readonly EventRecord[]): Conversation {
  const c: Conversation = {
    systemAdditions: [],
    messages: [],
    pendingInputs: [],
    pendingInterrupts: [],
    pendingAnswers: [],
    calls: [],
    callIndex: new Map(),
    needsModel: false,
    phase: 'idle',
    waitingOn: undefined,
    contextTokens: 0,
    openRequestId: undefined,
    lastRequestFailed: false,
  };
  const inputs = new Map<string, EventRecord>();
  const callsByEvent = c.callIndex;

  const resolve = (call: ToolCall | undefined, result: ToolCall['result']) => {
    if (!call || call.result || call.interrupted) return;
    call.result = result;
    appendUserBlocks(c.messages, [toolResultBlock(call)]);
  };

  for (const e of log) {
    const body = e.body as Record<string, any>;
    if (e.processedAt === null) {
      if (CLIENT_INPUTS.has(e.type)) c.pendingInputs.push(e);
      else if (e.type === 'user.interrupt') c.pendingInterrupts.push(e);
      else if (CLIENT_ANSWERS.has(e.type)) c.pendingAnswers.push(e);
    }
    switch (e.type) {
      case 'user.message':
      case 'system.message':
      case 'user.define_outcome':
        inputs.set(e.id, e);
        break;
      case 'span.model_request_start': {
        const consumed = (e.internal as RequestStartInternal | undefined)?.consumed ?? [];
        for (const id of consumed) {
          const input = inputs.get(id);
          if (!input) continue;
          if (input.type === 'system.message') {
            c.systemAdditions.push((input.body.content as Array<{ text: string }>).map((b) => b.text).join('\n'));
          } else {
            appendUserBlocks(c.messages, inputBlocks(input));
          }
        }
        c.pendingInputs = c.pendingInputs.filter((p) => !consumed.includes(p.id));
        c.calls = [];
        c.needsModel = false;
        c.openRequestId = e.id;
        c.lastRequestFailed = false;
        break;
      }
      case 'span.model_request_end': {
        const internal = e.internal as RequestEndInternal | undefined;
        c.openRequestId = undefined;
        if (body.is_error || !internal) {
          c.lastRequestFailed = true;
          break;
        }
        c.messages.push({ role: 'assistant', content: internal.content as BetaContentBlockParam[] });
        c.needsModel = internal.stop_reason === 'tool_use';
        c.contextTokens = internal.context_tokens;
        break;
      }
      case 'agent.tool_use':
      case 'agent.custom_tool_use': {
        const internal = e.internal as ToolUseInternal;
        const call: ToolCall = {
          eventId: e.id,
          toolUseId: internal.tool_use_id,
          name: body.name,
          input: body.input ?? {},
          kind: internal.kind,
          permission: e.type === 'agent.custom_tool_use' ? 'allow' : (body.evaluated_permission ?? 'allow'),
          started: internal.started === true,
          interrupted: false,
        };
        c.calls.push(call);
        callsByEvent.set(e.id, call);
        break;
      }
      case 'user.tool_confirmation': {
        const call = callsByEvent.get(body.tool_use_id);
        if (call && !call.confirmation) call.confirmation = { result: body.result, denyMessage: body.deny_message ?? null };
        break;
      }
      case 'agent.tool_result':
      case 'user.tool_result':
        resolve(callsByEvent.get(body.tool_use_id), { content: body.content, isError: body.is_error === true });
        break;
      case 'user.custom_tool_result':
        resolve(callsByEvent.get(body.custom_tool_use_id), { content: body.content, isError: body.is_error === true });
        break;
      case 'agent.thread_context_compacted': {
        const summary = (e.internal as CompactedInternal | undefined)?.summary ?? '';
        c.messages = [{ role: 'user', content: [{ type: 'text', text: `Summary of the conversation so far:\n\n${summary}` }] }];
        c.contextTokens = Math.ceil(summary.length / 4);
        break;
      }
      case 'session.status_running':
        c.phase = 'running';
        c.waitingOn = undefined;
        break;
      case 'session.status_rescheduled':
        c.phase = 'rescheduling';
        c.waitingOn = undefined;
        break;
      case 'session.status_terminated':
        c.phase = 'terminated';
        break;
      case 'session.status_idle': {
        c.phase = 'idle';
        c.waitingOn = body.stop_reason?.type === 'requires_action' ? body.stop_reason.event_ids : undefined;
        if ((e.internal as IdleInternal | undefined)?.interrupted) {
          for (const call of c.calls) {
            if (!call.result && !call.interrupted) {
              call.interrupted = true;
              appendUserBlocks(c.messages, [toolResultBlock(call)]);
            }
          }
          c.needsModel = false;
        }
        break;
      }
    }
  }
  return c;
}

/** Calls still waiting for something (a run, a confirmation, a client result). */
export const openCalls = (c: Conversation) => c.calls.filter((call) => !call.result && !call.interrupted);
