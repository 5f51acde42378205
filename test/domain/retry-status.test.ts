// The retry_status rule over every session.error the engine writes: `terminal` exactly when the
// same write terminates the session, `exhausted` exactly when it ends the turn (idle
// retries_exhausted), `retrying` when the session keeps running. A client that stops on
// `terminal` (as the SDK tells it to) is never wrong. Pure: no server, no I/O.
import { describe, expect, it } from 'vitest';
import { mcpServerErrors } from '../../src/domain/changes/mcp.js';
import { compactionLimitReached, modelFailed, toolUseLimitReached } from '../../src/domain/changes/model.js';
import { mountFailureChanges } from '../../src/domain/changes/mounts.js';
import { packagesFailed } from '../../src/domain/changes/packages.js';
import type { LogChanges } from '../../src/domain/changes/log-changes.js';
import { credentialHostErrors } from '../../src/domain/credential-reach.js';
import { foldLog } from '../../src/domain/fold.js';
import { primaryThread } from '../../src/domain/session-state.js';
import { context, LogBuilder, T0 } from './replay/log-builder.js';

const env = () => {
  let n = 0;
  return { at: new Date(T0).toISOString(), newId: (p: string) => `${p}_new${++n}` };
};

/** A running turn whose model request is open; and one whose response asked for a tool that started. */
function running() {
  const b = new LogBuilder();
  const message = b.user('go');
  b.running();
  const start = b.start(message);
  return { t: primaryThread(foldLog(b.log)), start };
}
function toolStarted() {
  const b = new LogBuilder();
  const message = b.user('go');
  b.running();
  const start = b.start(message);
  b.toolUse('toolu_1', { started: true });
  b.end(start, { toolUses: ['toolu_1'] });
  return primaryThread(foldLog(b.log));
}

/** What the write does to the session, read from its own events. */
function aftermath(changes: LogChanges): 'terminated' | 'turn ended' | 'goes on' {
  const types = changes.events.map((e) => e.type);
  if (types.includes('session.status_terminated')) return 'terminated';
  const idle = changes.events.find((e) => e.type === 'session.status_idle');
  if (idle && (idle.body as { stop_reason: { type: string } }).stop_reason.type === 'retries_exhausted') return 'turn ended';
  return 'goes on';
}
const statusOf = (changes: LogChanges) =>
  changes.events.filter((e) => e.type === 'session.error').map((e) => (e.body as { error: { retry_status: { type: string } } }).error.retry_status.type);

const EXPECTED = { terminated: 'terminal', 'turn ended': 'exhausted', 'goes on': 'retrying' } as const;
const policy = context().retry;

const cases: Array<[string, () => LogChanges, keyof typeof EXPECTED]> = [
  ['a retryable model error within the budget', () => modelFailed(running().t, running().start.id, { retryable: true, type: 'model_overloaded_error', message: '529' }, policy, env()), 'goes on'],
  ['a retryable model error past the budget', () => {
    const { t, start } = running();
    return modelFailed({ ...t, retries: { count: policy.maxRetries, lastEventId: 'sevt_x', lastAt: new Date(T0).toISOString() } }, start.id, { retryable: true, type: 'model_overloaded_error', message: '529' }, policy, env());
  }, 'turn ended'],
  ['a non-retryable model error (400)', () => modelFailed(running().t, running().start.id, { retryable: false, type: 'model_request_failed_error', message: '400' }, policy, env()), 'turn ended'],
  ['billing_error (402)', () => modelFailed(running().t, running().start.id, { retryable: false, type: 'billing_error', message: 'credit balance' }, policy, env()), 'turn ended'],
  ['tool_use_limit_reached_error', () => toolUseLimitReached(running().t, 2, env()), 'turn ended'],
  ['compaction_limit_reached_error', () => compactionLimitReached(running().t, 3, env()), 'turn ended'],
  ['a failed package install', () => {
    const t = toolStarted();
    return packagesFailed(t, t.calls[0]!, 'pip failed', env());
  }, 'turn ended'],
  ['credential_host_unreachable_error', () => credentialHostErrors(running().t, [{ credentialId: 'vcrd_a', vaultId: 'vlt_1', hosts: ['x.example'] }], env()), 'goes on'],
  ['mcp_connection_failed_error', () => mcpServerErrors(running().t, [{ server: 's', type: 'mcp_connection_failed_error', message: 'refused' }], env()), 'goes on'],
  ['mcp_authentication_failed_error', () => mcpServerErrors(running().t, [{ server: 's', type: 'mcp_authentication_failed_error', message: '401' }], env()), 'goes on'],
  ['a repository that cannot be cloned', () => mountFailureChanges([{ kind: 'repository', resourceId: 'r', updatedAt: 'u', url: 'https://g/r.git', type: 'repository_clone_error', message: 'no' }], env()), 'goes on'],
  ['a file resource that cannot be placed', () => mountFailureChanges([{ kind: 'file', resourceId: 'f', updatedAt: 'u', message: 'no' }], env()), 'terminated'],
];

describe('retry_status tells the truth', () => {
  it.each(cases)('%s', (_name, write, expected) => {
    const changes = write();
    expect(aftermath(changes)).toBe(expected);
    const statuses = statusOf(changes);
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set([EXPECTED[expected]]));
  });
});
