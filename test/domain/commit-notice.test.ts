// The decision a replica makes from a commit notification alone: what kind of commit it is, and
// whether its engine acts on it (input for a session it runs, or whose preferred starter it is).
import { describe, expect, it } from 'vitest';
import { commitKind, engineWakes, kindFlag, parseKindFlag, preferredEngine, type EngineView } from '../../src/domain/commit-notice.js';

const rec = (type: string, processedAt: string | null = null) => ({ type, processedAt });

describe('commitKind', () => {
  it('is output when no unprocessed client event is in the batch', () => {
    expect(commitKind([rec('agent.message'), rec('session.status_idle')])).toBe('output');
    // The engine's own record of input it already handled wakes nobody.
    expect(commitKind([rec('user.message', '2026-01-01T00:00:00Z')])).toBe('output');
    expect(commitKind([])).toBe('output');
  });

  it('is input for any unprocessed client event, and interrupt when one is an interrupt', () => {
    for (const type of ['user.message', 'user.tool_confirmation', 'user.custom_tool_result', 'user.tool_result', 'system.message']) {
      expect(commitKind([rec('agent.message', 'x'), rec(type)])).toBe('input');
    }
    expect(commitKind([rec('user.message'), rec('user.interrupt')])).toBe('interrupt');
  });

  it('round-trips through the payload flag; a missing or unknown flag counts as input', () => {
    for (const kind of ['output', 'input', 'interrupt'] as const) expect(parseKindFlag(kindFlag(kind))).toBe(kind);
    expect(parseKindFlag(undefined)).toBe('input');
    expect(parseKindFlag('?')).toBe('input');
  });
});

describe('preferredEngine', () => {
  const engines = ['a1', 'b2', 'c3'];

  it('is the same whichever replica computes it (order of the list does not matter)', () => {
    for (let i = 0; i < 50; i++) {
      const id = `sesn_${i}`;
      expect(preferredEngine(id, engines)).toBe(preferredEngine(id, [...engines].reverse()));
    }
  });

  it('spreads sessions over the engines', () => {
    const wins = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const e = preferredEngine(`sesn_${i.toString(36)}`, engines)!;
      wins.set(e, (wins.get(e) ?? 0) + 1);
    }
    for (const e of engines) expect(wins.get(e)).toBeGreaterThan(800);
  });

  it('moves only the sessions of an engine that leaves', () => {
    for (let i = 0; i < 300; i++) {
      const id = `sesn_${i}`;
      const before = preferredEngine(id, engines)!;
      const after = preferredEngine(id, ['a1', 'c3'])!;
      if (before !== 'b2') expect(after).toBe(before);
    }
  });

  it('is undefined with no engine', () => {
    expect(preferredEngine('sesn_1', [])).toBeUndefined();
  });
});

describe('engineWakes', () => {
  const view = (over: Partial<EngineView> = {}): EngineView => ({ self: 'a1', engine: true, peers: ['b2', 'c3'], runs: false, ...over });
  // A session each engine is preferred for.
  const preferredBy = (engine: string) => {
    for (let i = 0; ; i++) if (preferredEngine(`sesn_${i}`, ['a1', 'b2', 'c3']) === engine) return `sesn_${i}`;
  };

  it('wakes exactly one of the engines for input to a session nobody runs', () => {
    const id = preferredBy('b2');
    const woken = ['a1', 'b2', 'c3'].filter((self) =>
      engineWakes('input', id, view({ self, peers: ['a1', 'b2', 'c3'].filter((e) => e !== self) })),
    );
    expect(woken).toEqual(['b2']);
  });

  it('wakes the engine that runs the session, preferred or not (it must see input and interrupts)', () => {
    const id = preferredBy('b2');
    expect(engineWakes('input', id, view())).toBe(false);
    expect(engineWakes('input', id, view({ runs: true }))).toBe(true);
    expect(engineWakes('interrupt', id, view({ runs: true }))).toBe(true);
  });

  it('never wakes for output, nor a replica without an engine', () => {
    const id = preferredBy('a1');
    expect(engineWakes('output', id, view({ runs: true }))).toBe(false);
    expect(engineWakes('input', id, view({ engine: false }))).toBe(false);
    expect(engineWakes('input', id, view())).toBe(true);
  });

  it('an engine that knows no other wakes for all input (one replica, or one that just started)', () => {
    expect(engineWakes('input', preferredBy('b2'), view({ peers: [] }))).toBe(true);
  });
});
