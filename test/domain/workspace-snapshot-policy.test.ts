// The pure decisions of workspace snapshots: the diff of two scans and what the next snapshot is.
import { describe, expect, it } from 'vitest';
import { diffTrees, planSnapshot, safeSnapshotPath, type Tree, type TreeEntry } from '../../src/domain/workspace-snapshot-policy.js';

const file = (size: number, mtimeMs = 1, mode = 0o644): TreeEntry => ({ type: 'file', size, mtimeMs, mode });
const dir = (mtimeMs = 1): TreeEntry => ({ type: 'dir', size: 0, mtimeMs, mode: 0o755 });
const link = (target: string): TreeEntry => ({ type: 'symlink', size: 0, mtimeMs: 1, mode: 0o777, target });
const tree = (entries: Record<string, TreeEntry>): Tree => new Map(Object.entries(entries));
const policy = { maxBytes: 1000, maxLayers: 3 };

describe('diffTrees', () => {
  it('lists new and changed entries parents first, and only the top of a removed subtree', () => {
    const before = tree({ workspace: dir(), 'workspace/a': file(1), 'workspace/old': dir(), 'workspace/old/x': file(1), 'workspace/l': link('a') });
    const after = tree({ workspace: dir(2), 'workspace/a': file(1, 5), 'workspace/new': dir(), 'workspace/new/y': file(2), 'workspace/l': link('b') });
    expect(diffTrees(before, after)).toEqual({
      changed: ['workspace', 'workspace/a', 'workspace/l', 'workspace/new', 'workspace/new/y'],
      deleted: ['workspace/old'],
    });
  });

  it('a mode change is a change; a path that changed type is deleted before it is written', () => {
    const before = tree({ 'workspace/a': file(1), 'workspace/b': dir(), 'workspace/b/c': file(1) });
    const after = tree({ 'workspace/a': file(1, 1, 0o755), 'workspace/b': file(3) });
    expect(diffTrees(before, after)).toEqual({ changed: ['workspace/a', 'workspace/b'], deleted: ['workspace/b'] });
  });
});

describe('planSnapshot', () => {
  const known = tree({ workspace: dir(), 'workspace/a': file(100) });
  const chain = { baseBytes: 50, layerBytes: [] };

  it('nothing changed: nothing is written', () => {
    expect(planSnapshot({ tree: known, known, chain, policy })).toEqual({ kind: 'nothing' });
  });
  it('the first snapshot, and one without the local state of the last, is a base', () => {
    expect(planSnapshot({ tree: known, known: undefined, chain: undefined, policy })).toEqual({ kind: 'base', reason: 'first' });
    expect(planSnapshot({ tree: known, known: undefined, chain, policy })).toEqual({ kind: 'base', reason: 'unknown-local-state' });
  });
  it('a change over a base is a layer', () => {
    const now = tree({ workspace: dir(), 'workspace/a': file(100, 2) });
    expect(planSnapshot({ tree: now, known, chain, policy })).toMatchObject({ kind: 'layer', diff: { changed: ['workspace/a'], deleted: [] } });
  });
  it('compacts after maxLayers layers, or once the layers weigh as much as the base', () => {
    const now = tree({ workspace: dir(), 'workspace/a': file(100, 2) });
    expect(planSnapshot({ tree: now, known, chain: { baseBytes: 50, layerBytes: [1, 1, 1] }, policy })).toEqual({ kind: 'base', reason: 'layers' });
    expect(planSnapshot({ tree: now, known, chain: { baseBytes: 50, layerBytes: [30, 20] }, policy })).toEqual({ kind: 'base', reason: 'layer-bytes' });
    expect(planSnapshot({ tree: now, known, chain: { baseBytes: 50, layerBytes: [30, 19] }, policy })).toMatchObject({ kind: 'layer' });
  });
  it('skips a changed tree whose files exceed the cap (an unchanged one is simply nothing)', () => {
    const big = tree({ 'workspace/a': file(600), 'workspace/b': file(401) });
    expect(planSnapshot({ tree: big, known, chain, policy })).toEqual({ kind: 'skip', treeBytes: 1001 });
    expect(planSnapshot({ tree: big, known: undefined, chain: undefined, policy })).toEqual({ kind: 'skip', treeBytes: 1001 });
    expect(planSnapshot({ tree: big, known: big, chain, policy })).toEqual({ kind: 'nothing' });
  });
});

describe('safeSnapshotPath', () => {
  const tops = ['workspace', 'outputs'];
  it.each(['workspace', 'workspace/a/b', 'outputs/x.md', 'workspace/..a', 'workspace/a..'])('accepts %s', (p) => expect(safeSnapshotPath(p, tops)).toBe(true));
  it.each(['', '/workspace/a', 'workspace/../x', '../workspace', 'workspace//a', 'workspace/./a', 'memory/a', 'workspace\\..\\x', 'workspace/a\0'])('refuses %j', (p) =>
    expect(safeSnapshotPath(p, tops)).toBe(false),
  );
});
