// Session use cases: create (resolving and snapshotting the agent), update, archive, delete.
import type { SessionAgentParam, SessionCreateInput, SessionUpdateInput } from '../api/schemas/session.js';
import { newId } from '../api/ids.js';
import { checkAgentConsistency, normalizeSkills, normalizeTools } from '../domain/agent-config.js';
import { resolveModelConfig, type ProviderName } from '../domain/model-settings.js';
import { applyMetadataPatch } from '../domain/metadata.js';
import { checkWebToolsForProvider } from '../domain/web-tools.js';
import { requireUsableEnvironment } from './environments.js';
import { emptyUsage, sessionAgentFrom } from '../domain/session-agent.js';
import { emptyRuntime } from '../domain/session-runtime.js';
import { checkBudgetUpdate, checkNewBudget } from '../domain/budget.js';
import type { PriceTable } from '../telemetry/prices.js';
import type { SessionAgent } from '../api/wire.js';
import { conflict, invalidRequest, notFound } from '../errors.js';
import type { SessionRecord, Store } from '../store/types.js';
import type { CommandContext } from './context.js';
import { checkEventReferences, clientEventRecord } from './events.js';
import { getSession } from './sessions-read.js';
import { mountResources, removeSessionFiles, type ResourceParam } from './mount-resources.js';
import { resolveMemoryStoreResources, type MemoryStoreParamAt } from './memory-stores/session-memory-stores.js';
import { pinSkillVersions, resolveSkillReferences } from './skills/skill-references.js';
import { checkSessionVaults, envCredentialsRefusal } from './vaults/session-vaults.js';
import { emitWebhook } from './webhooks/emit.js';

export { getSession };

async function resolveAgent(store: Store, workspaceId: string, param: SessionAgentParam, provider: ProviderName): Promise<SessionAgent> {
  const ref = typeof param === 'string' ? { type: 'agent' as const, id: param } : param;
  const agent = await store.agents.get(workspaceId, ref.id);
  if (!agent) throw notFound(`agent ${ref.id} not found`);
  if (agent.archivedAt) {
    throw invalidRequest(`agent: agent ${agent.id} is archived; archived agents cannot be used by new sessions`);
  }
  let version = agent.version;
  let snapshot = agent.snapshot;
  if (ref.version !== undefined && ref.version !== agent.version) {
    const past = await store.agents.getVersion(agent.id, ref.version);
    if (!past) throw invalidRequest(`agent.version: agent ${agent.id} has no version ${ref.version}`);
    version = past.version;
    snapshot = past.snapshot;
  }
  const resolved = sessionAgentFrom(agent.id, version, snapshot);
  // Agents saved before agentd refused other multi-agent configurations: they would not run as configured.
  const multiagentType = (resolved.multiagent as { type?: string } | null)?.type;
  if (multiagentType !== undefined && multiagentType !== 'coordinator') {
    throw invalidRequest(`agent.multiagent: "${multiagentType}" is not supported by agentd; update the agent to a "coordinator" roster`);
  }
  await checkRosterWebTools(store, resolved, provider);
  if (ref.type !== 'agent_with_overrides') {
    // Saved under another provider (AGENTD_MODEL_PROVIDER changed since): refused now, not at the first model call.
    checkWebToolsForProvider(resolved.tools, provider, 'agent.tools');
    return resolved;
  }
  const overridden: SessionAgent = {
    ...resolved,
    ...(ref.model !== undefined ? { model: resolveModelConfig(ref.model, provider, { field: 'agent.model' }) } : {}),
    ...(ref.system !== undefined ? { system: ref.system } : {}),
    ...(ref.tools !== undefined ? { tools: normalizeTools(ref.tools) } : {}),
    ...(ref.mcp_servers !== undefined ? { mcp_servers: ref.mcp_servers.map((m) => ({ ...m })) } : {}),
    ...(ref.skills !== undefined ? { skills: normalizeSkills(ref.skills) } : {}),
  };
  checkAgentConsistency(overridden, 'agent.tools');
  checkWebToolsForProvider(overridden.tools, provider, 'agent.tools');
  return overridden;
}

/** The coordinator's roster agents run on the same provider: their web tools must be runnable too. */
async function checkRosterWebTools(store: Store, agent: SessionAgent, provider: ProviderName): Promise<void> {
  const multiagent = agent.multiagent as { type?: string; agents?: Array<{ type: string; id?: string; version?: number }> } | null;
  if (multiagent?.type !== 'coordinator') return;
  for (const [k, entry] of (multiagent.agents ?? []).entries()) {
    if (entry.type !== 'agent' || entry.id === undefined || entry.version === undefined) continue;
    const version = await store.agents.getVersion(entry.id, entry.version);
    if (version) checkWebToolsForProvider(version.snapshot.tools, provider, `agent.multiagent.agents[${k}] (agent ${entry.id}).tools`);
  }
}

/** The models a session can run that have no list price (a budget cannot measure them). */
const unpricedModels = (prices: PriceTable, agent: SessionAgent): string[] =>
  prices.priceOf(agent.model.id) ? [] : [agent.model.id];
/** What a deployment adds when it creates a session. */
export interface SessionOrigin {
  deploymentId: string;
  /** Runs inside the creating transaction; throwing rolls the session back. */
  inTransaction: (tx: Store, session: SessionRecord) => Promise<void>;
}

export async function createSession(
  ctx: CommandContext,
  workspaceId: string,
  input: SessionCreateInput,
  origin?: SessionOrigin,
): Promise<SessionRecord> {
  const resolved = await resolveAgent(ctx.store, workspaceId, input.agent, ctx.modelProvider);
  // Skills resolve now, for the session's life: "latest" becomes the version it is at (and a skill
  // deleted since the agent was saved is a 400 here).
  const skills = await resolveSkillReferences(ctx.store, workspaceId, resolved.skills, 'agent.skills');
  const agent = pinSkillVersions(resolved, skills);
  if (input.budget) checkNewBudget(unpricedModels(ctx.prices, agent));
  const environment = await requireUsableEnvironment(ctx.store, workspaceId, input.environment_id, 'environment_id');
  const vaultIds = await checkSessionVaults(
    ctx.store,
    workspaceId,
    input.vault_ids ?? [],
    envCredentialsRefusal(environment, ctx.envCredentialsRefusal),
  );
  const initial = input.initial_events ?? [];
  for (const [i, e] of initial.entries()) await checkEventReferences(ctx.store, workspaceId, e, `initial_events[${i}]`);

  const id = newId('sesn');
  const params = input.resources ?? [];
  // Memory stores are checked and snapshotted here; files and repositories are mounted below.
  const memoryParams: MemoryStoreParamAt[] = [];
  const others: { param: Exclude<ResourceParam, { type: 'memory_store' }>; index: number }[] = [];
  params.forEach((param, index) => {
    if (param.type === 'memory_store') memoryParams.push({ param, field: `resources[${index}]` });
    else others.push({ param, index });
  });
  const memoryStores = await resolveMemoryStoreResources(ctx.store, workspaceId, memoryParams);
  // Creation blocks until every resource is in place; a failure leaves nothing behind.
  const mounted = await mountResources(
    ctx,
    workspaceId,
    id,
    environment,
    others.map((o) => o.param),
    { prefixOf: (i) => `resources[${others[i]!.index}]` },
  ).catch(async (err: unknown) => {
    await removeSessionFiles(ctx, id);
    throw err;
  });
  // In the order they were given.
  const mountedQueue = [...mounted.stored];
  const memoryQueue = [...memoryStores];
  const resources = params.map((p) => (p.type === 'memory_store' ? memoryQueue.shift()! : mountedQueue.shift()!));
  const now = ctx.now();
  const session: SessionRecord = {
    id,
    workspaceId,
    environmentId: input.environment_id,
    agentId: agent.id,
    agentVersion: agent.version,
    agent,
    title: input.title ?? null,
    metadata: input.metadata ?? {},
    status: 'idle',
    resources,
    vaultIds,
    usage: emptyUsage(),
    budget: input.budget ?? null,
    runtime: emptyRuntime(),
    deploymentId: origin?.deploymentId ?? null,
    outcomeEvaluations: [],
    lastSeq: 0,
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
  };
  try {
    return await ctx.log.transaction(async (tx, emit) => {
      await tx.sessions.insert(session);
      await tx.memoryStores.attachToSession(session.id, memoryParams.map((m) => m.param.memory_store_id));
      await tx.skills.pinForSession(
        session.id,
        skills.map((v) => ({ skillId: v.skillId, versionId: v.id, name: v.name, description: v.description })),
      );
      const records = await emit(session.id, initial.map((e) => clientEventRecord(e, now)));
      await origin?.inTransaction(tx, session);
      await emitWebhook(tx, 'session.created', session.id, workspaceId, now);
      // The hosted docs' name for the same moment: created and ready to accept events.
      await emitWebhook(tx, 'session.status_scheduled', session.id, workspaceId, now);
      return { ...session, lastSeq: records.length };
    });
  } catch (err) {
    await mounted.discard();
    await removeSessionFiles(ctx, id);
    throw err;
  }
}

export async function updateSession(
  ctx: CommandContext,
  workspaceId: string,
  id: string,
  input: SessionUpdateInput,
): Promise<SessionRecord> {
  const updated = await ctx.store.transaction(async (tx) => {
    const session = await getSession(tx, workspaceId, id);
    if (session.archivedAt) throw conflict(`session ${id} is archived and read-only`);
    let vaultIds = session.vaultIds;
    if (input.vault_ids !== undefined) {
      if (session.status !== 'idle') {
        throw conflict(`vault_ids: session ${id} is ${session.status}; its vaults can only change while idle (interrupt it first)`);
      }
      const environment = await tx.environments.get(workspaceId, session.environmentId);
      vaultIds = await checkSessionVaults(tx, workspaceId, input.vault_ids ?? [], envCredentialsRefusal(environment, ctx.envCredentialsRefusal));
    }
    let agent = session.agent;
    if (input.agent && (input.agent.tools !== undefined || input.agent.mcp_servers !== undefined)) {
      if (session.status !== 'idle') {
        throw conflict(`agent: session ${id} is ${session.status}; tools and MCP servers can only change while idle (interrupt it first)`);
      }
      agent = {
        ...agent,
        ...(input.agent.tools !== undefined ? { tools: normalizeTools(input.agent.tools) } : {}),
        ...(input.agent.mcp_servers !== undefined ? { mcp_servers: input.agent.mcp_servers.map((m) => ({ ...m })) } : {}),
      };
      checkAgentConsistency(agent, 'agent.tools');
    }
    if (input.budget !== undefined) checkBudgetUpdate(session.budget, input.budget, session.runtime, unpricedModels(ctx.prices, agent));
    const next: SessionRecord = {
      ...session,
      agent,
      vaultIds,
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.budget !== undefined ? { budget: input.budget } : {}),
      metadata: applyMetadataPatch(session.metadata, input.metadata),
      updatedAt: ctx.now(),
    };
    await tx.sessions.update(next);
    await emitWebhook(tx, 'session.updated', id, workspaceId, next.updatedAt);
    return next;
  });
  // A runner holding the session reads it again before its next step (a budget changed mid-turn applies there).
  ctx.log.bus.wake('session', id);
  return updated;
}

function assertNotRunning(session: SessionRecord, action: string): void {
  if (session.status === 'running' || session.status === 'rescheduling') {
    throw conflict(`cannot ${action} session ${session.id} while it is ${session.status}; interrupt it and wait for idle`);
  }
}

export async function archiveSession(ctx: CommandContext, workspaceId: string, id: string): Promise<SessionRecord> {
  const archived = await ctx.store.transaction(async (tx) => {
    const session = await getSession(tx, workspaceId, id);
    if (session.archivedAt) return session;
    assertNotRunning(session, 'archive');
    const now = ctx.now();
    const next = { ...session, archivedAt: now, updatedAt: now };
    await tx.sessions.update(next);
    await emitWebhook(tx, 'session.archived', id, workspaceId, now);
    return next;
  });
  ctx.log.bus.wake('session', id);
  return archived;
}

export async function deleteSession(ctx: CommandContext, workspaceId: string, id: string): Promise<void> {
  const removed = await ctx.store.transaction(async (tx) => {
    const session = await getSession(tx, workspaceId, id);
    assertNotRunning(session, 'delete');
    const files = await tx.files.deleteByScope(id);
    const snapshots = await tx.workspaceSnapshots.deleteAll(id);
    await tx.sessions.delete(id);
    await emitWebhook(tx, 'session.deleted', id, workspaceId, ctx.now());
    return [...files.map((f) => f.id), ...snapshots.map((s) => s.blobKey)];
  });
  // Bytes go only after the rows are gone, so no file or snapshot row ever points at missing bytes.
  await Promise.all(removed.map((key) => ctx.blobs.remove(key)));
  await removeSessionFiles(ctx, id);
  ctx.log.bus.end(id);
  ctx.log.bus.wake('session', id);
}
