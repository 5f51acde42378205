// Agent use cases: create, update (new immutable version), archive, and reading them back.
import type { AgentCreateInput, AgentUpdateInput, MultiagentParam } from '../api/schemas/agent.js';
import { newId } from '../api/ids.js';
import { applyAgentUpdate, buildAgentSnapshot } from '../domain/agent-config.js';
import { conflict, invalidRequest, notFound } from '../errors.js';
import type { AgentRecord, AgentSnapshot, Store } from '../store/types.js';
import type { CommandContext } from './context.js';
import { resolveSkillReferences } from './skills/skill-references.js';
import { emitWebhook } from './webhooks/emit.js';

export async function getAgent(store: Store, workspaceId: string, id: string): Promise<AgentRecord> {
  const agent = await store.agents.get(workspaceId, id);
  if (!agent) throw notFound(`agent ${id} not found`);
  return agent;
}

type RosterRef = { type: 'agent'; id: string; version: number };

/** Resolves roster entries to pinned agent references (string and unpinned entries → latest). */
async function resolveMultiagent(
  store: Store,
  workspaceId: string,
  param: MultiagentParam | null | undefined,
  self: { id: string; version: number },
): Promise<AgentSnapshot['multiagent']> {
  if (!param) return null;
  // Only the coordinator roster runs (docs/multiagent.md); the rest is refused, never stored unused.
  if (param.type !== 'coordinator') {
    throw invalidRequest(`multiagent.type: "${param.type}" (advisor, subagents, workflows) is not supported by agentd; use {"type": "coordinator", "agents": [...]}`);
  }
  for (const [i, entry] of param.agents.entries()) {
    if (typeof entry !== 'string' && entry.type === 'advisor') throw invalidRequest(`multiagent.agents[${i}]: advisor entries are not supported by agentd`);
  }
  const resolve = async (entry: unknown, field: string): Promise<RosterRef> => {
    const e = entry as string | { type: string; id?: string; version?: number; model?: string };
    if (typeof e !== 'string' && e.type === 'self') return { type: 'agent', ...self };
    const id = typeof e === 'string' ? e : e.id!;
    const agent = await store.agents.get(workspaceId, id);
    if (!agent) throw invalidRequest(`${field}: agent ${id} not found`);
    const version = typeof e === 'string' ? undefined : e.version;
    const pinned = version === undefined ? agent : await store.agents.getVersion(id, version);
    if (!pinned) throw invalidRequest(`${field}: agent ${id} has no version ${version}`);
    // MCP servers are the session's primary agent's: a delegated thread would get none of its tools.
    if (pinned.snapshot.mcp_servers.length > 0) {
      throw invalidRequest(`${field}: agent ${id} declares mcp_servers; agentd offers MCP tools to the coordinator only, not to agents it delegates to`);
    }
    return { type: 'agent', id, version: version ?? agent.version };
  };
  const agents = await Promise.all(param.agents.map((a, i) => resolve(a, `multiagent.agents[${i}]`)));
  return { type: 'coordinator', agents } as AgentSnapshot['multiagent'];
}

/** A model id the server cannot run is refused at create/update, not at the first session. */
function checkModel(ctx: CommandContext, modelId: string): void {
  const why = ctx.unknownModel?.(modelId);
  if (why !== undefined) throw invalidRequest(`model: ${why}`);
}

export async function createAgent(ctx: CommandContext, workspaceId: string, input: AgentCreateInput): Promise<AgentRecord> {
  const id = newId('agent');
  const multiagent = await resolveMultiagent(ctx.store, workspaceId, input.multiagent, { id, version: 1 });
  const snapshot = buildAgentSnapshot(input, multiagent, ctx.modelProvider);
  checkModel(ctx, snapshot.model.id);
  await resolveSkillReferences(ctx.store, workspaceId, snapshot.skills, 'skills');
  const now = ctx.now();
  const agent: AgentRecord = {
    id,
    workspaceId,
    version: 1,
    snapshot,
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
  };
  await ctx.store.transaction(async (tx) => {
    await tx.agents.insert(agent);
    await emitWebhook(tx, 'agent.created', agent.id, workspaceId, now);
  });
  return agent;
}

const sameSnapshot = (a: AgentSnapshot, b: AgentSnapshot) => JSON.stringify(a) === JSON.stringify(b);

export async function updateAgent(
  ctx: CommandContext,
  workspaceId: string,
  id: string,
  input: AgentUpdateInput,
): Promise<AgentRecord> {
  const current = await getAgent(ctx.store, workspaceId, id);
  if (current.archivedAt) throw conflict(`agent ${id} is archived and read-only`);
  if (input.version !== undefined && input.version !== current.version) {
    throw conflict(
      `version: agent ${id} is at version ${current.version}, not ${input.version}; retrieve it and apply your change again`,
    );
  }
  const multiagent =
    input.multiagent === undefined
      ? undefined
      : await resolveMultiagent(ctx.store, workspaceId, input.multiagent, { id, version: current.version + 1 });
  const snapshot = applyAgentUpdate(current.snapshot, input, multiagent, ctx.modelProvider);
  if (input.model !== undefined) checkModel(ctx, snapshot.model.id);
  if (input.skills !== undefined) await resolveSkillReferences(ctx.store, workspaceId, snapshot.skills, 'skills');
  // An update that changes nothing does not mint a version.
  if (sameSnapshot(snapshot, current.snapshot)) return current;
  const next: AgentRecord = { ...current, version: current.version + 1, snapshot, updatedAt: ctx.now() };
  const won = await ctx.store.transaction(async (tx) => {
    const added = await tx.agents.addVersion(next, current.version);
    if (added) await emitWebhook(tx, 'agent.updated', id, workspaceId, next.updatedAt);
    return added;
  });
  if (!won) throw conflict(`agent ${id} was updated concurrently; retrieve it and apply your change again`);
  return next;
}

export async function archiveAgent(ctx: CommandContext, workspaceId: string, id: string): Promise<AgentRecord> {
  const agent = await getAgent(ctx.store, workspaceId, id);
  if (agent.archivedAt) return agent;
  const now = ctx.now();
  await ctx.store.transaction(async (tx) => {
    await tx.agents.archive(id, now);
    await emitWebhook(tx, 'agent.archived', id, workspaceId, now);
  });
  return { ...agent, archivedAt: now, updatedAt: now };
}
