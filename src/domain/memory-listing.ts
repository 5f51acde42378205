// How a memory listing rolls paths up into directory markers (`depth`) and what key a page resumes
// after: pure, so the store only has to return memories in order.
import type { MemoryHead, MemoryOrderBy } from './records/memory-store.js';

export type ListedItem = { type: 'memory'; memory: MemoryHead } | { type: 'memory_prefix'; path: string };

/**
 * The item `memory` appears as under `prefix` with `depth` (0: every memory as itself): a memory
 * more than `depth` segments below the prefix is rolled up into the prefix of its first `depth`
 * segments ("/a/" depth 1: "/a/b/c.md" → "/a/b/").
 */
export function rollUp(memory: MemoryHead, prefix: string, depth: number): ListedItem {
  if (depth === 0) return { type: 'memory', memory };
  const segments = memory.path.slice(prefix.length).split('/');
  if (segments.length <= depth) return { type: 'memory', memory };
  return { type: 'memory_prefix', path: prefix + segments.slice(0, depth).join('/') + '/' };
}

/** The sort key a page resumes after (see MemoryScan.after): a directory's key ends in "/". */
export function resumeKey(item: ListedItem, orderBy: MemoryOrderBy): string {
  if (item.type === 'memory_prefix') return item.path;
  const m = item.memory;
  if (orderBy === 'path') return m.path;
  return `${orderBy === 'created_at' ? m.createdAt : m.updatedAt} ${m.id}`;
}
