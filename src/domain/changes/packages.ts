// Changes when the environment's packages could not be installed: the tool calls of the turn are
// answered with the reason (they did not run), a session.error says what failed, and the turn
// ends (idle, retries_exhausted). The next message starts a new turn, which tries the install again.
import { openCalls, type ThreadState, type ToolCall } from '../session-state.js';
import { retryStatus } from '../retry-status.js';
import { engineEvent } from './engine-event.js';
import { mergeChanges, noChanges, type ChangeEnv, type LogChanges } from './log-changes.js';
import { answerWithErrors } from './tools.js';
import { idle } from './turn.js';

export function packagesFailed(t: ThreadState, call: ToolCall, reason: string, env: ChangeEnv): LogChanges {
  const message = `the environment's packages could not be installed: ${reason}`;
  // The failing call (already started) and every call of the response that has not run yet.
  const calls = openCalls(t).filter((c) => c.eventId === call.eventId || !c.started);
  const text = `This tool call did not run: ${message}`;
  const error = engineEvent('session.error', { error: { type: 'unknown_error', message, retry_status: retryStatus('turn_ends') } }, env, { thread: t.id });
  return mergeChanges(
    answerWithErrors(t, calls, () => text, env),
    { ...noChanges(env.at), events: [error] },
    idle(t, { type: 'retries_exhausted' }, env, { endsTurn: true }),
  );
}
