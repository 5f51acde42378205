// Changes when resources could not be materialised: one session.error each (of the SDK's
// repository_* types, or unknown_error naming the file resource), and session.status_terminated
// when one of them is terminal (see workspace-mounts.ts).
import type { NewEvent } from '../records/event.js';
import { isTerminal, type MountFailure } from '../workspace-mounts.js';
import { retryStatus } from '../retry-status.js';
import { engineEvent } from './engine-event.js';
import { noChanges, type ChangeEnv, type LogChanges } from './log-changes.js';

function errorEvent(f: MountFailure, env: ChangeEnv): NewEvent {
  const internal = { resource_id: f.resourceId, resource_updated_at: f.updatedAt };
  const retry_status = retryStatus(isTerminal(f) ? 'session_terminates' : 'goes_on');
  const error =
    f.kind === 'repository'
      ? { type: f.type, message: f.message, repository_url: f.url, retry_status }
      : { type: 'unknown_error' as const, message: f.message, retry_status };
  return engineEvent('session.error', { error }, env, { internal });
}

/** Session-level events (the primary thread's): the errors, then the end of the session if one is terminal. */
export function mountFailureChanges(failures: readonly MountFailure[], env: ChangeEnv): LogChanges {
  const events: NewEvent[] = failures.map((f) => errorEvent(f, env));
  if (!failures.some(isTerminal)) return { ...noChanges(env.at), events };
  events.push(engineEvent('session.status_terminated', {}, env));
  return { ...noChanges(env.at), events, status: 'terminated' };
}
