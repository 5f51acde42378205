// Multi-agent delegation: the call_agent tool a coordinator gets, and what one call of it means
// (a new thread for a roster agent, a follow-up to a thread it started, or a refusal the
// coordinator reads as the tool's error result). Pure: the roster is resolved by the engine.
import type { SessionAgent } from '../api/wire.js';
import { childThreads, type SessionState, type ThreadState, type ToolCall } from './session-state.js';

export const CALL_AGENT = 'call_agent';

/** At most this many threads work at once in a session (the hosted API's documented limit). */
export const MAX_ACTIVE_THREADS = 25;

/** A roster entry, resolved to the agent version it pins. */
export interface RosterAgent {
  id: string;
  version: number;
  agent: SessionAgent;
}

export function callAgentTool(roster: readonly RosterAgent[]) {
  const names = roster.map((r) => r.agent.name);
  return {
    name: CALL_AGENT,
    description:
      'Delegate work to another agent, which runs in its own thread (its own conversation, tools and ' +
      'system prompt; the filesystem is shared). Returns that agent\'s final answer. Call it several ' +
      'times in one response to run agents at the same time. To follow up with an agent you called ' +
      'before (it keeps its earlier turns), pass the thread_id its answer came with. Available agents: ' +
      roster.map((r) => `${r.agent.name}${r.agent.description ? ` (${r.agent.description})` : ''}`).join('; ') +
      '.',
    input_schema: {
      type: 'object' as const,
      properties: {
        agent: { type: 'string', enum: [...new Set(names)], description: 'The agent to delegate to.' },
        message: { type: 'string', description: 'What the agent should do: everything it needs to know.' },
        thread_id: { type: 'string', description: 'Optional: continue the thread of an earlier call instead of starting a new one.' },
      },
      required: ['agent', 'message'],
    },
  };
}

export type Delegation =
  | { kind: 'new'; roster: RosterAgent; message: string }
  | { kind: 'follow_up'; thread: ThreadState; message: string }
  | { kind: 'refuse'; text: string };

const busy = (t: ThreadState) => t.replyTo !== undefined || t.status === 'running' || t.status === 'rescheduling';

export function planDelegation(s: SessionState, call: ToolCall, roster: readonly RosterAgent[]): Delegation {
  const { agent, message, thread_id: threadId } = call.input as { agent?: unknown; message?: unknown; thread_id?: unknown };
  if (typeof message !== 'string' || message.trim() === '') return { kind: 'refuse', text: `${CALL_AGENT}: "message" must be a non-empty string.` };
  if (threadId !== undefined && threadId !== null && threadId !== '') {
    const thread = typeof threadId === 'string' ? s.threads.get(threadId) : undefined;
    if (!thread || thread.id === call.thread) return { kind: 'refuse', text: `${CALL_AGENT}: there is no thread ${String(threadId)} to follow up.` };
    if (thread.status === 'terminated') return { kind: 'refuse', text: `${CALL_AGENT}: thread ${thread.id} is archived.` };
    if (busy(thread)) return { kind: 'refuse', text: `${CALL_AGENT}: thread ${thread.id} is still working on an earlier request.` };
    return { kind: 'follow_up', thread, message };
  }
  const entry = roster.find((r) => r.agent.name === agent || r.id === agent);
  if (!entry) {
    return { kind: 'refuse', text: `${CALL_AGENT}: "${String(agent)}" is not one of the available agents (${roster.map((r) => r.agent.name).join(', ')}).` };
  }
  if (childThreads(s).filter(busy).length >= MAX_ACTIVE_THREADS) {
    return { kind: 'refuse', text: `${CALL_AGENT}: at most ${MAX_ACTIVE_THREADS} threads can work at once; wait for an answer first.` };
  }
  return { kind: 'new', roster: entry, message };
}

/** The text a thread answers with: its last response's text. */
export function lastAnswer(t: ThreadState): string {
  for (let i = t.messages.length - 1; i >= 0; i--) {
    const m = t.messages[i]!;
    if (m.role !== 'assistant' || typeof m.content === 'string') continue;
    const text = m.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('\n').trim();
    if (text !== '') return text;
  }
  return '(the agent gave no text answer)';
}
