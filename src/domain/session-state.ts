// The engine's view of a session, folded from its log (fold.ts): per thread, the conversation the
// model sees, queued client input, open tool calls, status and the retry run. The primary thread
// is the session itself; other threads (multi-agent) get their own entry keyed by thread id.
import type { BetaMessageParam, BetaToolResultBlockParam } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { SessionAgent } from '../api/wire.js';
import type { EventRecord, WireEvent } from './records/event.js';
import type { SessionStatus } from './records/session.js';
import type { EvaluatedPermission } from './permissions.js';
import type { OutcomeState } from './outcome.js';
import type { RetryRun } from './retry.js';

/** The thread of events whose `threadId` is null: the session's own conversation. */
export const PRIMARY_THREAD = 'primary';

/** Client input the next model request consumes. */
export type InputEvent = EventRecord<'user.message' | 'system.message' | 'user.define_outcome'>;
/** Client answers to tool calls. */
export type AnswerEvent = EventRecord<'user.tool_confirmation' | 'user.custom_tool_result' | 'user.tool_result'>;

export interface ToolCall {
  /** The agent.tool_use / agent.custom_tool_use / agent.mcp_tool_use event id clients refer to. */
  eventId: string;
  /** The model's tool_use id. */
  toolUseId: string;
  /** The tool's name (for MCP tools, its name on the server). */
  name: string;
  input: Record<string, unknown>;
  /** builtin: runs in the sandbox; custom: the client answers; delegate: a coordinator's call_agent, answered by a thread; mcp: agentd calls the MCP server. */
  kind: 'builtin' | 'custom' | 'delegate' | 'mcp';
  /** The thread that made the call (answers are routed by call, whatever thread they name). */
  thread: string;
  /** delegate calls: the thread working on it, once the delegation is recorded. */
  delegatedTo?: string | undefined;
  /** The MCP server of an `mcp` call. */
  mcpServerName?: string | undefined;
  permission: EvaluatedPermission;
  started: boolean;
  confirmation?: { result: WireEvent<'user.tool_confirmation'>['result']; denyMessage: string | null } | undefined;
  result?: { content: BetaToolResultBlockParam['content']; isError: boolean } | undefined;
  /** An interrupt closed this call before it produced a result. */
  interrupted: boolean;
}

export interface ThreadState {
  readonly id: string;
  /** Child threads: the roster agent it runs (pinned when the thread was created); the primary runs the session's agent. */
  agent: SessionAgent | undefined;
  agentName: string;
  /** Child threads: the coordinator's call_agent call waiting on this thread's reply. */
  replyTo: string | undefined;
  /** Status according to the thread's last status event (the session's, for the primary thread). */
  status: SessionStatus;
  /** When the last status event was idle/requires_action: the event ids it waited on. */
  waitingOn: string[] | undefined;
  /** System prompt additions from system.message events, in order. */
  systemAdditions: string[];
  /** History the model has seen or will see: consumed inputs, its own turns, tool results. */
  messages: BetaMessageParam[];
  /** Queued input the next model request will consume, in log order. */
  pendingInputs: InputEvent[];
  pendingInterrupts: EventRecord<'user.interrupt'>[];
  /** Queued client answers (confirmations, tool results), stamped processed once acted on. */
  pendingAnswers: AnswerEvent[];
  /** Tool calls of the latest model response. */
  calls: ToolCall[];
  /** Responses that called tools (tool-use rounds) since input last started a turn. */
  toolRounds: number;
  /** The provider's server tool uses (model id → agent.tool_use event id), for their results' events. */
  serverToolUses: Map<string, string>;
  /** The latest response asked for tools, so the model must be called again once they resolve. */
  needsModel: boolean;
  /** Size of the context at the last model response (input + cache + output tokens). */
  contextTokens: number;
  /** A model request started and never ended (the process stopped mid-call). */
  openRequestId: string | undefined;
  /** The last model request failed. */
  lastRequestFailed: boolean;
  /** Reschedules since the last successful model call or the end of the last turn. */
  retries: RetryRun | undefined;
  /** The last idle was `budget_reached` and nothing has run since (announced once, not again per message). */
  budgetStopped: boolean;
  /**
   * With `budgetStopped`: the input queued when the budget stopped the thread. It waits for a new
   * message (a budget raise alone starts no turn); the message then reaches the model with it.
   */
  budgetParked: string[];
  /** Compactions since the model last answered or new input arrived: a cap stops a loop of them. */
  compactionsInARow: number;
  /** The outcome this thread works toward (user.define_outcome), until the next one replaces it. */
  outcome: OutcomeState | undefined;
}

export interface SessionState {
  /** The seq of the last event folded in. */
  cursor: number;
  /** Threads by id, the primary thread first. */
  threads: Map<string, ThreadState>;
  /** Tool calls by event id, for answers to find them. */
  calls: Map<string, ToolCall>;
  /** Inputs by id, until a model request consumes them. */
  inputs: Map<string, InputEvent>;
  /** Credentials already reported as credential_host_unreachable_error (once each). */
  unreachableCredentials: Set<string>;
  /**
   * Resources that could not be materialised in this turn (session.error reported), by id, with the
   * resource's updated_at then: not tried again until the session idles (its next turn, or a resume
   * after requires_action) or until the resource changes (a rotated token).
   */
  mountFailures: Map<string, string>;
}

export function newThreadState(id: string, agent?: SessionAgent): ThreadState {
  return {
    id,
    agent,
    agentName: agent?.name ?? '',
    replyTo: undefined,
    status: 'idle',
    waitingOn: undefined,
    systemAdditions: [],
    messages: [],
    pendingInputs: [],
    pendingInterrupts: [],
    pendingAnswers: [],
    calls: [],
    serverToolUses: new Map(),
    toolRounds: 0,
    needsModel: false,
    contextTokens: 0,
    openRequestId: undefined,
    lastRequestFailed: false,
    retries: undefined,
    budgetStopped: false,
    budgetParked: [],
    compactionsInARow: 0,
    outcome: undefined,
  };
}

export function newSessionState(): SessionState {
  return { cursor: 0, threads: new Map([[PRIMARY_THREAD, newThreadState(PRIMARY_THREAD)]]), calls: new Map(), inputs: new Map(), unreachableCredentials: new Set(), mountFailures: new Map() };
}

export const primaryThread = (s: SessionState): ThreadState => s.threads.get(PRIMARY_THREAD)!;

export const isChild = (t: ThreadState) => t.id !== PRIMARY_THREAD;

/** Child threads, in creation order. */
export const childThreads = (s: SessionState) => [...s.threads.values()].filter(isChild);

/** Calls still waiting for something (a run, a confirmation, a client result). */
export const openCalls = (t: ThreadState) => t.calls.filter((call) => !call.result && !call.interrupted);

/** Something of the thread's turn is still under way (an interrupt has to stop it). */
export const hasOpenWork = (t: ThreadState) =>
  openCalls(t).length > 0 || t.status !== 'idle' || t.waitingOn !== undefined || outcomeActive(t);

/** An outcome is being worked on or graded (an interrupt ends it). */
export const outcomeActive = (t: ThreadState) => t.outcome?.phase === 'working' || t.outcome?.phase === 'evaluating';
