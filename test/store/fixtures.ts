// Record factories and a keyset-page walker for the store conformance suite.
import { expect } from 'vitest';
import { newId } from '../../src/api/ids.js';
import { DEFAULT_WORKSPACE_ID } from '../../src/store/workspace.js';
import type { SessionEventType } from '../../src/domain/records/event.js';
import type {
  AgentRecord,
  AgentSnapshot,
  EnvironmentRecord,
  FileRecord,
  NewEvent,
  Page,
  PageRequest,
  SessionRecord,
} from '../../src/store/types.js';

export const WS = DEFAULT_WORKSPACE_ID;

/** A fixed base time, so ids and created_at values sort predictably. */
export const T0 = Date.parse('2026-03-01T12:00:00.000Z');
export const at = (ms: number) => new Date(T0 + ms).toISOString();

export function agentSnapshot(name = 'A'): AgentSnapshot {
  return {
    name,
    description: null,
    system: null,
    model: { id: 'claude-sonnet-4-6', speed: 'standard' },
    tools: [],
    skills: [],
    mcp_servers: [],
    metadata: {},
    multiagent: null,
    execution_identity: { type: 'service_account' },
  };
}

/** `ms` offsets the id's time part and created_at together, so both orders agree. */
export function agentRecord(ms = 0, name = 'A'): AgentRecord {
  return {
    id: newId('agent', T0 + ms),
    workspaceId: WS,
    version: 1,
    snapshot: agentSnapshot(name),
    createdAt: at(ms),
    updatedAt: at(ms),
    archivedAt: null,
  };
}

export function environmentRecord(ms = 0, name = `env-${ms}`): EnvironmentRecord {
  return {
    id: newId('env', T0 + ms),
    workspaceId: WS,
    name,
    description: null,
    config: { type: 'self_hosted' },
    metadata: {},
    scope: null,
    createdAt: at(ms),
    updatedAt: at(ms),
    archivedAt: null,
  };
}

export function sessionRecord(ms = 0, over: Partial<SessionRecord> = {}): SessionRecord {
  const agentId = over.agentId ?? 'agent_x';
  const agentVersion = over.agentVersion ?? 1;
  return {
    id: newId('sesn', T0 + ms),
    workspaceId: WS,
    environmentId: 'env_x',
    agentId,
    agentVersion,
    agent: {
      type: 'agent',
      id: agentId,
      version: agentVersion,
      name: 'A',
      description: null,
      system: null,
      model: { id: 'claude-sonnet-4-6', speed: 'standard' },
      tools: [],
      skills: [],
      mcp_servers: [],
      multiagent: null,
      execution_identity: { type: 'service_account' },
    },
    title: null,
    metadata: {},
    status: 'idle',
    resources: [],
    vaultIds: [],
    usage: {},
    budget: null,
    deploymentId: null,
    outcomeEvaluations: [],
    lastSeq: 0,
    createdAt: at(ms),
    updatedAt: at(ms),
    archivedAt: null,
    ...over,
  };
}

/** A log entry of any `type` (the store does not look inside bodies; the body is a user message's). */
export function newEvent(type: SessionEventType = 'user.message', ms = 0): NewEvent {
  const id = newId('sevt', T0 + ms);
  return {
    id,
    threadId: null,
    type,
    body: { id, type, content: [{ type: 'text', text: 'hi' }] },
    processedAt: null,
    createdAt: at(ms),
  } as NewEvent;
}

export const newEvents = (n: number, type: SessionEventType = 'user.message') => Array.from({ length: n }, () => newEvent(type));

export function fileRecord(ms = 0, over: Partial<FileRecord> = {}): FileRecord {
  return {
    id: newId('file', T0 + ms),
    workspaceId: WS,
    filename: `f${ms}.txt`,
    mimeType: 'text/plain',
    sizeBytes: 3,
    scopeSessionId: null,
    downloadable: false,
    createdAt: at(ms),
    expiresAt: null,
    ...over,
  };
}

type Lister<T, K extends string | number> = (page: PageRequest<K>) => Promise<Page<T>>;

/**
 * Walks a listing page by page forwards ('next' cursors), then backwards from the last page
 * ('prev' cursors), checking that both walks see exactly `expected`, in order, with `hasMore`
 * true on every page but the last one of each walk.
 */
export async function expectKeysetWalks<T, K extends string | number>(
  list: Lister<T, K>,
  keyOf: (item: T) => K,
  order: 'asc' | 'desc',
  limit: number,
  expected: K[],
): Promise<void> {
  const pages: T[][] = [];
  let page = await list({ limit, order });
  pages.push(page.items);
  while (page.hasMore) {
    const last = page.items[page.items.length - 1]!;
    page = await list({ limit, order, cursor: { key: keyOf(last), direction: 'next' } });
    pages.push(page.items);
    expect(pages.length).toBeLessThanOrEqual(expected.length + 1); // guards against a cursor loop
  }
  expect(pages.flat().map(keyOf)).toEqual(expected);
  for (const p of pages.slice(0, -1)) expect(p).toHaveLength(limit);

  // Backwards: from the first item of the last page, each 'prev' page ends right before it.
  const back: T[][] = [pages[pages.length - 1]!];
  let first = back[0]![0];
  let more = pages.length > 1;
  while (more && first !== undefined) {
    const prev = await list({ limit, order, cursor: { key: keyOf(first), direction: 'prev' } });
    back.unshift(prev.items);
    more = prev.hasMore;
    first = prev.items[0];
    expect(back.length).toBeLessThanOrEqual(expected.length + 1);
  }
  expect(back.flat().map(keyOf)).toEqual(expected);
}
