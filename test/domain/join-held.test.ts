// A held write joined with the next (joinHeld): which writes can be held, the markers the next write sets on held
// events carried in them, the usage snapshot where the held write would have put it. Pure.
import { describe, expect, it } from 'vitest';
import { engineEvent } from '../../src/domain/changes/engine-event.js';
import { holdable, joinHeld, noChanges, type LogChanges } from '../../src/domain/changes/log-changes.js';
import type { UsageRecord } from '../../src/domain/records/usage.js';

const AT = '2026-12-07T10:00:00.000Z';
const LATER = '2026-12-07T10:00:01.000Z';
let n = 0;
const env = (at = AT) => ({ at, newId: (prefix: string) => `${prefix}_${++n}` });
const call = { outcome: 'ok', listCostNanoUsd: 5 } as UsageRecord;

const use = engineEvent('agent.tool_use', { name: 'bash', input: { command: 'ls' }, evaluated_permission: 'allow' }, env(), {
  
  internal: { tool_use_id: 'toolu_1', kind: 'builtin' },
});
const end = engineEvent('span.model_request_end', { model_request_start_id: 'sevt_start', is_error: false, model_usage: {} } as never, env());
const reply: LogChanges = { ...noChanges(AT), events: [use, end], calls: [call], usage: { input_tokens: 3, output_tokens: 1 } as never };

describe('held writes', () => {
  it('holds a write of events and model calls only', () => {
    expect(holdable(reply)).toBe(true);
    expect(holdable({ ...noChanges(AT), events: [end] })).toBe(true);
    expect(holdable({ ...reply, status: 'idle' })).toBe(false);
    expect(holdable({ ...reply, processed: ['sevt_in'] })).toBe(false);
    expect(holdable({ ...reply, internals: [{ id: 'sevt_x', internal: { tool_use_id: 't', kind: 'builtin', started: true } }] })).toBe(false);
  });

  it("carries the next write's marker in the held event it targets, and keeps the others as markers", () => {
    const started = { tool_use_id: 'toolu_1', kind: 'builtin' as const, started: true };
    const other = { id: 'sevt_old', internal: { tool_use_id: 'toolu_0', kind: 'builtin' as const, started: true } };
    const next: LogChanges = { ...noChanges(LATER), processed: ['sevt_confirm'], internals: [{ id: use.id, internal: started }, other] };
    const joined = joinHeld(reply, next)!;
    expect(joined.events.map((e) => e.id)).toEqual([use.id, end.id]);
    expect(joined.events[0]!.internal).toEqual(started);
    // The held event itself is left as it was (the runner folded it ahead).
    expect(use.internal).toEqual({ tool_use_id: 'toolu_1', kind: 'builtin' });
    expect(joined.internals).toEqual([other]);
    expect(joined.processed).toEqual(['sevt_confirm']);
    expect(joined.at).toBe(LATER);
    expect(joined.calls).toEqual([call]);
    expect(joined.usage).toEqual(reply.usage);
  });

  it("puts the held calls' snapshot after the held events: before the next write's, status or not", () => {
    const created = engineEvent('session.thread_created', { session_thread_id: 'sthr_1', agent_name: 'Reviewer' } as never, env(LATER));
    const idle = engineEvent('session.status_idle', { stop_reason: { type: 'end_turn' } } as never, env(LATER));
    expect(joinHeld(reply, { ...noChanges(LATER), events: [created] })!.snapshotAt).toBe(2);
    expect(joinHeld(reply, { ...noChanges(LATER), events: [idle], status: 'idle' })).toMatchObject({ snapshotAt: 2, status: 'idle' });
    // A held write without model calls has no snapshot to place.
    expect(joinHeld({ ...noChanges(AT), events: [end] }, { ...noChanges(LATER), events: [idle] })!.snapshotAt).toBeUndefined();
  });

  it('does not join two writes that both record model calls', () => {
    expect(joinHeld(reply, { ...noChanges(LATER), calls: [call] })).toBeUndefined();
    expect(joinHeld(reply, { ...noChanges(LATER), usage: { input_tokens: 1, output_tokens: 1 } as never })).toBeUndefined();
    // One that records none joins either way round.
    expect(joinHeld({ ...noChanges(AT), events: [end] }, reply)).toMatchObject({ calls: [call], events: [end, use, end] });
  });
});
