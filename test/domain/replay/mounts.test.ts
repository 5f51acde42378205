// Replays about resources the running replica must materialise: when the engine prepares the
// workspace, what a failure writes, and when a failed resource is tried again. Pure: no I/O.
import { describe, expect, it } from 'vitest';
import { mountFailureChanges } from '../../../src/domain/changes/mounts.js';
import { decide } from '../../../src/domain/decide.js';
import { foldLog } from '../../../src/domain/fold.js';
import { classifyGitFailure } from '../../../src/domain/repository-failure.js';
import { primaryThread } from '../../../src/domain/session-state.js';
import { planMounts, type MountFailure } from '../../../src/domain/workspace-mounts.js';
import { context, LogBuilder, T0 } from './log-builder.js';
import { summarize } from './fixture.js';

const env = (ms: number) => {
  let n = 0;
  return { at: new Date(ms).toISOString(), newId: (p: string) => `${p}_new${++n}` };
};
const next = (b: LogBuilder, over: Parameters<typeof context>[0] = {}) => summarize(decide(foldLog(b.log), context(over)));

const repoFailure: MountFailure = {
  kind: 'repository',
  resourceId: 'sesrsc_repo',
  updatedAt: '2026-01-01T00:00:00.000Z',
  url: 'https://git.example/r.git',
  type: 'repository_authentication_error',
  message: 'resource sesrsc_repo: could not clone https://git.example/r.git: fatal: Authentication failed',
};
const fileFailure: MountFailure = { kind: 'file', resourceId: 'sesrsc_file', updatedAt: '2026-01-01T00:00:00.000Z', message: 'resource sesrsc_file could not be mounted' };

describe('replay: workspace preparation', () => {
  it('a turn prepares the workspace first when this replica lacks resources, then calls the model', () => {
    const b = new LogBuilder();
    b.user('go', true);
    expect(next(b, { mountsPending: true })).toEqual({ type: 'prepare_workspace', thread: 'primary' });
    expect(next(b)).toEqual({ type: 'call_model', thread: 'primary' });
  });

  it('a resource added mid-turn is prepared before the next built-in tool runs', () => {
    const b = new LogBuilder();
    const message = b.user('run it');
    b.running();
    const start = b.start(message);
    b.toolUse('toolu_1');
    b.end(start, { toolUses: ['toolu_1'] });
    expect(next(b, { mountsPending: true })).toEqual({ type: 'prepare_workspace', thread: 'primary' });
    expect(next(b)).toMatchObject({ type: 'run_tool' });
    // A self-hosted environment's worker mounts resources itself: nothing is prepared here.
    expect(next(b, { mountsPending: false, remoteTools: true })).toMatchObject({ type: 'offer_remote' });
  });

  it('a repository failure is reported retrying, once per turn and version; the session keeps running', () => {
    const b = new LogBuilder();
    b.user('go');
    b.running();
    const changes = mountFailureChanges([repoFailure], env(T0 + 5));
    expect(changes.status).toBeUndefined();
    expect(changes.events.map((e) => e.type)).toEqual(['session.error']);
    expect(changes.events[0]!.body).toMatchObject({
      error: { type: 'repository_authentication_error', repository_url: 'https://git.example/r.git', retry_status: { type: 'retrying' } },
    });
    b.written(changes.events);
    const state = foldLog(b.log);
    expect(state.mountFailures.get('sesrsc_repo')).toBe(repoFailure.updatedAt);
    // Not tried again in this turn at the same version; a rotated token (new updated_at) is.
    const resource = { type: 'github_repository', id: 'sesrsc_repo', url: repoFailure.url, mount_path: '/workspace/r', checkout: null, created_at: 'x' } as const;
    expect(planMounts([{ ...resource, updated_at: repoFailure.updatedAt }], new Map(), state.mountFailures).place).toEqual([]);
    expect(planMounts([{ ...resource, updated_at: '2026-01-01T00:01:00.000Z' }], new Map(), state.mountFailures).place).toHaveLength(1);
    // The turn ends: the next one starts over.
    b.idle();
    expect(foldLog(b.log).mountFailures.size).toBe(0);
  });

  it('a file that cannot be placed is terminal: session.error then session.status_terminated, and nothing more is decided', () => {
    const b = new LogBuilder();
    b.user('go', true);
    const changes = mountFailureChanges([repoFailure, fileFailure], env(T0 + 5));
    expect(changes.status).toBe('terminated');
    expect(changes.events.map((e) => e.type)).toEqual(['session.error', 'session.error', 'session.status_terminated']);
    expect(changes.events[1]!.body).toMatchObject({ error: { type: 'unknown_error', retry_status: { type: 'terminal' } } });
    b.written(changes.events);
    const state = foldLog(b.log);
    expect(primaryThread(state).status).toBe('terminated');
    expect(next(b)).toEqual({ type: 'done' });
    b.user('more', true);
    expect(next(b)).toEqual({ type: 'done' });
  });

  it('resources detached since they were placed are removed; placed ones are left alone', () => {
    const file = { type: 'file', id: 'sesrsc_a', file_id: 'file_a', mount_path: '/workspace/a', created_at: 'x', updated_at: 'x' } as const;
    const plan = planMounts([file], new Map([['sesrsc_a', '/workspace/a'], ['sesrsc_gone', '/data/gone.txt']]), new Map());
    expect(plan).toEqual({ place: [], remove: [{ id: 'sesrsc_gone', mount_path: '/data/gone.txt' }] });
  });
});

describe('git failures are classified as the SDK error types', () => {
  const cases: [Parameters<typeof classifyGitFailure>[0], string, string][] = [
    ['clone', "fatal: could not read Username for 'https://h': terminal prompts disabled", 'repository_authentication_error'],
    ['clone', "fatal: Authentication failed for 'https://h/r.git/'", 'repository_authentication_error'],
    ['clone', "fatal: unable to access 'https://h/r.git/': The requested URL returned error: 403", 'repository_forbidden_error'],
    ['clone', "fatal: repository 'https://h/r.git/' not found", 'repository_not_found_error'],
    ['clone', "fatal: repository '/srv/r' does not exist", 'repository_not_found_error'],
    ['clone', 'fatal: Remote branch nope not found in upstream origin', 'repository_checkout_error'],
    ['checkout', 'fatal: reference is not a tree: aaaa', 'repository_checkout_error'],
    ['clone', "fatal: unable to access 'https://h/r.git/': The requested URL returned error: 500", 'repository_clone_error'],
    ['clone', "fatal: unable to access 'https://h/': Failed to connect to h port 443", 'repository_clone_error'],
  ];
  it.each(cases)('%s: %s', (stage, stderr, type) => {
    expect(classifyGitFailure(stage, stderr)).toBe(type);
  });
});
