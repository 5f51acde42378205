// The memory mount merge, decided purely: every combination of local, baseline and remote state.
import { describe, expect, it } from 'vitest';
import { planMemorySync, type RemoteHead, type SyncInput } from '../../src/domain/memory-sync.js';

const remote = (entries: Record<string, string>) =>
  new Map<string, RemoteHead>(Object.entries(entries).map(([rel, sha]) => [rel, { id: `mem_${rel}`, sha }]));

function plan(over: { local?: Record<string, string>; baseline?: Record<string, string>; remote?: Record<string, string>; readOnly?: boolean; refused?: Record<string, string> }) {
  const input: SyncInput = {
    local: new Map(Object.entries(over.local ?? {})),
    baseline: new Map(Object.entries(over.baseline ?? {})),
    remote: remote(over.remote ?? {}),
    readOnly: over.readOnly ?? false,
    refused: new Map(Object.entries(over.refused ?? {})),
  };
  return planMemorySync(input);
}

describe('planMemorySync (read-write mount)', () => {
  it('settles what agrees and does nothing else', () => {
    expect(plan({ local: { a: '1' }, baseline: { a: '1' }, remote: { a: '1' } })).toEqual({ actions: [], settled: new Map([['a', '1']]) });
    // Both sides made the same change: agreed, no write.
    expect(plan({ local: { a: '2' }, baseline: { a: '1' }, remote: { a: '2' } }).actions).toEqual([]);
    // Both deleted.
    expect(plan({ baseline: { a: '1' } })).toEqual({ actions: [], settled: new Map() });
  });

  it('pushes local-only changes: create, update, delete with the baseline as precondition', () => {
    expect(plan({ local: { n: '9' } }).actions).toEqual([{ type: 'create', rel: 'n', sha: '9' }]);
    expect(plan({ local: { a: '2' }, baseline: { a: '1' }, remote: { a: '1' } }).actions).toEqual([
      { type: 'update', rel: 'a', sha: '2', id: 'mem_a', expectedSha: '1' },
    ]);
    expect(plan({ baseline: { a: '1' }, remote: { a: '1' } }).actions).toEqual([{ type: 'delete', rel: 'a', id: 'mem_a', expectedSha: '1' }]);
  });

  it('pulls remote-only changes: new, changed and deleted memories', () => {
    expect(plan({ remote: { r: '5' } }).actions).toEqual([{ type: 'pull', rel: 'r', id: 'mem_r', sha: '5', conflict: false }]);
    expect(plan({ local: { a: '1' }, baseline: { a: '1' }, remote: { a: '3' } }).actions).toEqual([
      { type: 'pull', rel: 'a', id: 'mem_a', sha: '3', conflict: false },
    ]);
    expect(plan({ local: { a: '1' }, baseline: { a: '1' } }).actions).toEqual([{ type: 'remove', rel: 'a' }]);
  });

  it('on conflicts the store wins, except that a local edit re-creates a memory deleted remotely', () => {
    expect(plan({ local: { a: '2' }, baseline: { a: '1' }, remote: { a: '3' } }).actions).toEqual([
      { type: 'pull', rel: 'a', id: 'mem_a', sha: '3', conflict: true },
    ]);
    expect(plan({ baseline: { a: '1' }, remote: { a: '3' } }).actions).toEqual([{ type: 'pull', rel: 'a', id: 'mem_a', sha: '3', conflict: false }]);
    expect(plan({ local: { a: '2' }, baseline: { a: '1' } }).actions).toEqual([{ type: 'create', rel: 'a', sha: '2' }]);
    // Created on both sides with different content: the store's.
    expect(plan({ local: { a: '2' }, remote: { a: '3' } }).actions).toEqual([{ type: 'pull', rel: 'a', id: 'mem_a', sha: '3', conflict: true }]);
  });

  it('does not offer a refused version again, keeping the old baseline', () => {
    expect(plan({ local: { big: 'x' }, refused: { big: 'x' } })).toEqual({ actions: [], settled: new Map() });
    expect(plan({ local: { a: 'x' }, baseline: { a: '1' }, remote: { a: '1' }, refused: { a: 'x' } })).toEqual({
      actions: [],
      settled: new Map([['a', '1']]),
    });
    // Edited again: offered again.
    expect(plan({ local: { big: 'y' }, refused: { big: 'x' } }).actions).toEqual([{ type: 'create', rel: 'big', sha: 'y' }]);
  });

  it('lists actions in path order', () => {
    const actions = plan({ local: { c: '1', a: '1' }, remote: { b: '2' } }).actions.map((a) => a.rel);
    expect(actions).toEqual(['a', 'b', 'c']);
  });
});

describe('planMemorySync (read-only mount)', () => {
  it('never pushes: the directory follows the store', () => {
    expect(plan({ readOnly: true, local: { n: '9' } }).actions).toEqual([{ type: 'remove', rel: 'n' }]);
    expect(plan({ readOnly: true, local: { a: '2' }, baseline: { a: '1' }, remote: { a: '1' } }).actions).toEqual([
      { type: 'pull', rel: 'a', id: 'mem_a', sha: '1', conflict: false },
    ]);
    expect(plan({ readOnly: true, baseline: { a: '1' }, remote: { a: '1' } }).actions).toEqual([
      { type: 'pull', rel: 'a', id: 'mem_a', sha: '1', conflict: false },
    ]);
    expect(plan({ readOnly: true, local: { a: '1' }, baseline: { a: '1' }, remote: { a: '4' } }).actions).toEqual([
      { type: 'pull', rel: 'a', id: 'mem_a', sha: '4', conflict: false },
    ]);
  });
});
