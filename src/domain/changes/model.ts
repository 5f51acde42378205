// Changes around model calls: starting a request (consuming queued input), recording the response
// as events (the response → events mapping, with each tool call's permission evaluated), a failure
// (retry within the budget, or end the turn), and a compaction.
import type { BetaMessage } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { RequestStartInternal } from '../event-internal.js';
import { evaluatePermission, type ToolPolicies } from '../permissions.js';
import type { NewEvent, WireEvent } from '../records/event.js';
import { canRetry, type RetryPolicy } from '../retry.js';
import { retryStatus } from '../retry-status.js';
import { isChild, type ThreadState } from '../session-state.js';
import { CALL_AGENT } from '../delegation.js';
import { runningResource } from '../outcome.js';
import { contextTokens, modelUsage } from '../usage.js';
import { engineEvent, textContent } from './engine-event.js';
import { mergeChanges, noChanges, type ChangeEnv, type LogChanges } from './log-changes.js';
import { ensureRunning, idle, reschedule } from './turn.js';
import { isWebServerToolResult, isWebServerToolUse, serverToolResultEvent, serverToolUseEvent } from './server-tools.js';

/** The session.error types a model call's failure maps to. */
export type ModelErrorType = Extract<WireEvent<'session.error'>['error']['type'], `model_${string}` | 'billing_error' | 'unknown_error'>;

/** A failed model call, classified by the model layer. */
export interface ModelFailure {
  retryable: boolean;
  type: ModelErrorType;
  message: string;
}

const failedSpanEnd = (t: ThreadState, startId: string, env: ChangeEnv) =>
  engineEvent('span.model_request_end', { is_error: true, model_request_start_id: startId, model_usage: modelUsage(undefined) }, env, { thread: t.id });

/**
 * Opens a model request span, consuming every queued input and answer; a request a crash cut off
 * (`closeSpan`) is closed first so every start has an end. The start event is the last one.
 */
export function startRequest(t: ThreadState, closeSpan: string | undefined, env: ChangeEnv): { changes: LogChanges; startId: string } {
  const consumed = t.pendingInputs.map((e) => e.id);
  const start = engineEvent('span.model_request_start', {}, env, { thread: t.id, internal: { consumed } satisfies RequestStartInternal });
  const o = t.outcome;
  const startsOutcome = o?.phase === 'pending' && consumed.includes(o.definitionId);
  const changes = mergeChanges(ensureRunning(t, env), {
    ...noChanges(env.at),
    events: [...(closeSpan !== undefined ? [failedSpanEnd(t, closeSpan, env)] : []), start],
    processed: [...consumed, ...t.pendingAnswers.map((e) => e.id)],
    ...(startsOutcome ? { outcome: runningResource(o) } : {}),
  });
  return { changes, startId: start.id };
}

/**
 * One event per content block (thinking, text, tool calls), then the span's end with the usage.
 * `blockIds`: ids already announced for content blocks (by index) in live previews.
 */
export function recordResponse(
  t: ThreadState,
  startId: string,
  message: BetaMessage,
  tools: ToolPolicies,
  env: ChangeEnv,
  blockIds: ReadonlyMap<number, string> = new Map(),
): LogChanges {
  const thread = t.id;
  const events: NewEvent[] = [];
  // Server tool uses by the model's id (a paused turn's result may come in the next response).
  const serverUses = new Map(t.serverToolUses);
  for (const [index, block] of message.content.entries()) {
    const id = blockIds.get(index);
    if (isWebServerToolUse(block)) {
      const use = serverToolUseEvent(block, thread, env);
      serverUses.set(block.id, use.id);
      events.push(use);
    } else if (isWebServerToolResult(block)) {
      const useId = serverUses.get(block.tool_use_id);
      if (useId !== undefined) events.push(serverToolResultEvent(block, useId, thread, env));
    } else if (block.type === 'thinking' || block.type === 'redacted_thinking') {
      events.push(engineEvent('agent.thinking', {}, env, { thread, id }));
    } else if (block.type === 'text') {
      if (block.text !== '') events.push(engineEvent('agent.message', { content: textContent(block.text) }, env, { thread, id }));
    } else if (block.type === 'tool_use') {
      const input = (block.input ?? {}) as Record<string, unknown>;
      const mcp = tools.mcp.get(block.name);
      if (tools.delegate && block.name === CALL_AGENT) {
        events.push(engineEvent('agent.tool_use', { name: block.name, input, evaluated_permission: 'allow' }, env, { thread, internal: { tool_use_id: block.id, kind: 'delegate' } }));
      } else if (mcp) {
        const permission = evaluatePermission(mcp.policy);
        events.push(
          engineEvent(
            'agent.mcp_tool_use',
            { name: mcp.tool, mcp_server_name: mcp.server, input, evaluated_permission: permission },
            env,
            { thread, crossPost: isChild(t) && permission === 'ask', internal: { tool_use_id: block.id, kind: 'mcp' } },
          ),
        );
      } else if (tools.customNames.has(block.name)) {
        // A child thread's request for the client is cross-posted to the session's stream.
        events.push(engineEvent('agent.custom_tool_use', { name: block.name, input }, env, { thread, crossPost: isChild(t), internal: { tool_use_id: block.id, kind: 'custom' } }));
      } else {
        const permission = evaluatePermission(tools.builtins.get(block.name as never));
        events.push(
          engineEvent('agent.tool_use', { name: block.name, input, evaluated_permission: permission }, env, {
            thread,
            crossPost: isChild(t) && permission === 'ask',
            internal: { tool_use_id: block.id, kind: 'builtin' },
          }),
        );
      }
    }
  }
  const usage = modelUsage(message.usage);
  events.push(
    engineEvent('span.model_request_end', { is_error: false, model_request_start_id: startId, model_usage: usage }, env, {
      thread,
      internal: { content: message.content, stop_reason: message.stop_reason, context_tokens: contextTokens(usage) },
    }),
  );
  return { ...noChanges(env.at), events, usage: message.usage };
}

/** The request was cut short on purpose (an interrupt): its span ends as an error. */
export const abortedRequest = (t: ThreadState, startId: string, env: ChangeEnv): LogChanges => ({
  ...noChanges(env.at),
  events: [failedSpanEnd(t, startId, env)],
});

/**
 * A failed call (`startId`: its span; none for a compaction call): rescheduled while the retry
 * budget lasts, otherwise session.error and idle `retries_exhausted`.
 */
export function modelFailed(t: ThreadState, startId: string | undefined, failure: ModelFailure, policy: RetryPolicy, env: ChangeEnv): LogChanges {
  const end: LogChanges = { ...noChanges(env.at), events: startId === undefined ? [] : [failedSpanEnd(t, startId, env)] };
  const retrying = failure.retryable && canRetry(t.retries, policy);
  // Past the budget, or not retryable (a 400, a 402 billing_error): the turn ends, the session stays usable.
  const retry_status = retryStatus(retrying ? 'goes_on' : 'turn_ends');
  const error = engineEvent('session.error', { error: { type: failure.type, message: failure.message, retry_status } }, env, {
    thread: t.id,
  });
  // Every failure is reported; a retried one is followed by the reschedule, the last by idle.
  const next = retrying ? reschedule(t, env) : idle(t, { type: 'retries_exhausted' }, env);
  return mergeChanges(end, { ...noChanges(env.at), events: [error] }, next);
}

/** The turn reached its limit on tool-use rounds: it stops (the open tool results stay in the history; the next user.message starts a new turn). */
export function toolUseLimitReached(t: ThreadState, limit: number, env: ChangeEnv): LogChanges {
  const error = engineEvent(
    'session.error',
    {
      error: {
        type: 'tool_use_limit_reached_error',
        message: `the turn reached its limit of ${limit} tool-use rounds (AGENTD_MAX_TOOL_ROUNDS); send a new message to start a new turn`,
        retry_status: retryStatus('turn_ends'),
      },
    },
    env,
    { thread: t.id },
  );
  return mergeChanges(ensureRunning(t, env), { ...noChanges(env.at), events: [error] }, idle(t, { type: 'retries_exhausted' }, env));
}

/** Compaction kept running without the model answering: the turn stops (the next user.message starts a new one). */
export function compactionLimitReached(t: ThreadState, limit: number, env: ChangeEnv): LogChanges {
  const error = engineEvent(
    'session.error',
    {
      error: {
        type: 'compaction_limit_reached_error',
        message: `the context was compacted ${limit} times in a row and still exceeds the compaction threshold; send a new message to start a new turn`,
        retry_status: retryStatus('turn_ends'),
      },
    },
    env,
    { thread: t.id },
  );
  return mergeChanges(ensureRunning(t, env), { ...noChanges(env.at), events: [error] }, idle(t, { type: 'retries_exhausted' }, env));
}

/** The summary replaces the history from here on (see fold.ts). */
export function recordCompaction(t: ThreadState, summary: string, message: BetaMessage, env: ChangeEnv): LogChanges {
  return {
    ...noChanges(env.at),
    events: [engineEvent('agent.thread_context_compacted', {}, env, { thread: t.id, internal: { summary } })],
    usage: message.usage,
  };
}
