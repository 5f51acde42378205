// Deployment use cases: create, update, archive, pause, unpause (runs: run-deployment.ts).
import type { DeploymentAgentParam, DeploymentCreateInput, DeploymentUpdateInput } from '../../api/schemas/deployment.js';
import { newId } from '../../api/ids.js';
import { checkNewBudget, type BudgetLimit } from '../../domain/budget.js';
import { checkSchedule, nextFireAfter } from '../../domain/cron-schedule.js';
import { applyMetadataPatch } from '../../domain/metadata.js';
import { checkWebToolsForProvider } from '../../domain/web-tools.js';
import type { DeploymentAgentRef, DeploymentRecord, DeploymentResourceParam } from '../../domain/records/deployment.js';
import { conflict, invalidRequest, notFound } from '../../errors.js';
import type { Store } from '../../store/types.js';
import type { CommandContext } from '../context.js';
import { requireUsableEnvironment } from '../environments.js';
import { checkSessionVaults, envCredentialsRefusal } from '../vaults/session-vaults.js';
import { checkEventReferences } from '../events.js';
import { emitWebhook } from '../webhooks/emit.js';
import type { WebhookType } from '../../domain/webhook-events.js';

export async function getDeployment(store: Store, workspaceId: string, id: string): Promise<DeploymentRecord> {
  const d = await store.deployments.get(workspaceId, id);
  if (!d) throw notFound(`deployment ${id} not found`);
  return d;
}

/** An agent id pins the agent's current version; a reference may pin an older one. */
async function resolveAgent(ctx: CommandContext, workspaceId: string, param: DeploymentAgentParam): Promise<DeploymentAgentRef> {
  const { store } = ctx;
  const ref = typeof param === 'string' ? { id: param } : param;
  const agent = await store.agents.get(workspaceId, ref.id);
  if (!agent) throw notFound(`agent: agent ${ref.id} not found`);
  if (agent.archivedAt) throw invalidRequest(`agent: agent ${agent.id} is archived; archived agents cannot be deployed`);
  const version = 'version' in ref && ref.version !== undefined ? ref.version : agent.version;
  const snapshot = version === agent.version ? agent.snapshot : (await store.agents.getVersion(agent.id, version))?.snapshot;
  if (!snapshot) throw invalidRequest(`agent.version: agent ${agent.id} has no version ${version}`);
  // The runs' sessions would be refused: say so now, not at the first fire.
  checkWebToolsForProvider(snapshot.tools, ctx.modelProvider, 'agent.tools');
  return { type: 'agent', id: agent.id, version };
}

/** The model a pinned agent version runs (the version exists: resolveAgent checked it). */
async function modelOf(store: Store, workspaceId: string, ref: DeploymentAgentRef): Promise<string | undefined> {
  const agent = await store.agents.get(workspaceId, ref.id);
  if (agent && agent.version === ref.version) return agent.snapshot.model.id;
  return (await store.agents.getVersion(ref.id, ref.version))?.snapshot.model.id;
}

/**
 * A budget is stamped onto every run's session, so the rules a session's budget meets at create
 * apply here: the agent's model must have a list price (`model_not_budgetable`).
 */
async function checkBudget(ctx: CommandContext, workspaceId: string, agent: DeploymentAgentRef, budget: BudgetLimit | null): Promise<void> {
  if (budget === null) return;
  const model = await modelOf(ctx.store, workspaceId, agent);
  checkNewBudget(model === undefined || ctx.prices.priceOf(model) ? [] : [model]);
}

function validSchedule(schedule: { expression: string; timezone: string }): { expression: string; timezone: string } {
  const check = checkSchedule(schedule.expression, schedule.timezone);
  if (!check.ok) throw invalidRequest(`${check.field}: ${check.message}`);
  return { expression: schedule.expression, timezone: schedule.timezone };
}

const cursorAfter = (schedule: DeploymentRecord['schedule'], afterMs: number): string | null => {
  if (!schedule) return null;
  const next = nextFireAfter(schedule.expression, schedule.timezone, afterMs);
  return next === null ? null : new Date(next).toISOString();
};

async function checkInitialEvents(store: Store, workspaceId: string, events: DeploymentRecord['initialEvents']): Promise<void> {
  for (const [i, e] of events.entries()) await checkEventReferences(store, workspaceId, e, `initial_events[${i}]`);
}

export async function createDeployment(ctx: CommandContext, workspaceId: string, input: DeploymentCreateInput): Promise<DeploymentRecord> {
  const schedule = input.schedule ? validSchedule(input.schedule) : null;
  const agent = await resolveAgent(ctx, workspaceId, input.agent);
  const budget = input.budget ?? null;
  await checkBudget(ctx, workspaceId, agent, budget);
  const environment = await requireUsableEnvironment(ctx.store, workspaceId, input.environment_id, 'environment_id');
  // Checked as sessions.create checks them; each run checks again (a vault may be archived since).
  const vaultIds = await checkSessionVaults(ctx.store, workspaceId, input.vault_ids ?? [], envCredentialsRefusal(environment, ctx.envCredentialsRefusal));
  await checkInitialEvents(ctx.store, workspaceId, input.initial_events);
  const now = ctx.now();
  const deployment: DeploymentRecord = {
    id: newId('depl'),
    workspaceId,
    name: input.name,
    description: input.description ?? null,
    agent,
    environmentId: input.environment_id,
    initialEvents: input.initial_events,
    resources: (input.resources ?? []) as DeploymentResourceParam[],
    vaultIds,
    budget,
    metadata: input.metadata ?? {},
    schedule,
    status: 'active',
    pausedReason: null,
    lastRunAt: null,
    nextFireAt: cursorAfter(schedule, Date.parse(now)),
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
  };
  await ctx.store.transaction(async (tx) => {
    await tx.deployments.insert(deployment);
    await emitWebhook(tx, 'deployment.created', deployment.id, workspaceId, now);
  });
  return deployment;
}

/** Reads, changes and writes a deployment with compare-and-set (a scheduler may move its cursor meanwhile). */
async function change(
  ctx: CommandContext,
  workspaceId: string,
  id: string,
  webhook: WebhookType,
  apply: (d: DeploymentRecord, now: string) => Promise<DeploymentRecord | undefined> | DeploymentRecord | undefined,
): Promise<DeploymentRecord> {
  for (;;) {
    const current = await getDeployment(ctx.store, workspaceId, id);
    const now = ctx.now();
    const next = await apply(current, now);
    if (!next) return current;
    // updated_at must move for the compare-and-set to mean anything; same-millisecond edits still do.
    const updatedAt = now > current.updatedAt ? now : new Date(Date.parse(current.updatedAt) + 1).toISOString();
    const written = { ...next, updatedAt };
    const won = await ctx.store.transaction(async (tx) => {
      if (!(await tx.deployments.update(written, current))) return false;
      await emitWebhook(tx, webhook, id, workspaceId, updatedAt);
      return true;
    });
    if (won) return written;
  }
}

const assertNotArchived = (d: DeploymentRecord, action: string) => {
  if (d.archivedAt) throw conflict(`deployment ${d.id} is archived; it cannot ${action}`);
};

export async function updateDeployment(
  ctx: CommandContext,
  workspaceId: string,
  id: string,
  input: DeploymentUpdateInput,
): Promise<DeploymentRecord> {
  const schedule = input.schedule ? validSchedule(input.schedule) : input.schedule;
  const agent = input.agent !== undefined ? await resolveAgent(ctx, workspaceId, input.agent) : undefined;
  let environment =
    input.environment_id !== undefined ? await requireUsableEnvironment(ctx.store, workspaceId, input.environment_id, 'environment_id') : undefined;
  if (input.vault_ids && !environment) {
    const stored = await ctx.store.deployments.get(workspaceId, id);
    environment = stored ? await ctx.store.environments.get(workspaceId, stored.environmentId) : undefined;
  }
  // null clears the vaults (and the budget); each run's session is created with what is stored.
  const vaultIds =
    input.vault_ids !== undefined
      ? await checkSessionVaults(ctx.store, workspaceId, input.vault_ids ?? [], envCredentialsRefusal(environment, ctx.envCredentialsRefusal))
      : undefined;
  if (input.initial_events) await checkInitialEvents(ctx.store, workspaceId, input.initial_events);
  return change(ctx, workspaceId, id, 'deployment.updated', async (d, now) => {
    assertNotArchived(d, 'be modified');
    const budget = input.budget !== undefined ? input.budget : d.budget;
    // A new budget, or a new agent under a kept one: the (possibly new) model must be priced.
    if ((input.budget !== undefined || agent) && budget !== null) await checkBudget(ctx, workspaceId, agent ?? d.agent, budget);
    const next: DeploymentRecord = {
      ...d,
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(agent ? { agent } : {}),
      ...(input.environment_id !== undefined ? { environmentId: input.environment_id } : {}),
      ...(input.initial_events !== undefined ? { initialEvents: input.initial_events } : {}),
      ...(input.resources !== undefined ? { resources: (input.resources ?? []) as DeploymentResourceParam[] } : {}),
      ...(vaultIds !== undefined ? { vaultIds } : {}),
      budget,
      metadata: applyMetadataPatch(d.metadata, input.metadata),
    };
    if (schedule !== undefined) {
      next.schedule = schedule;
      // A changed schedule starts from now: instants of the old one are not owed.
      next.nextFireAt = cursorAfter(schedule, Date.parse(now));
    }
    return next;
  });
}

export async function archiveDeployment(ctx: CommandContext, workspaceId: string, id: string): Promise<DeploymentRecord> {
  return change(ctx, workspaceId, id, 'deployment.archived', (d, now) => (d.archivedAt ? undefined : { ...d, archivedAt: now, nextFireAt: null }));
}

export async function pauseDeployment(ctx: CommandContext, workspaceId: string, id: string): Promise<DeploymentRecord> {
  return change(ctx, workspaceId, id, 'deployment.paused', (d) => {
    assertNotArchived(d, 'be paused');
    if (d.status === 'paused') return undefined;
    return { ...d, status: 'paused', pausedReason: { type: 'manual' } };
  });
}

/** Resumes from the next occurrence after now: instants missed while paused are not backfilled. */
export async function unpauseDeployment(ctx: CommandContext, workspaceId: string, id: string): Promise<DeploymentRecord> {
  return change(ctx, workspaceId, id, 'deployment.unpaused', (d, now) => {
    assertNotArchived(d, 'be unpaused');
    if (d.status === 'active') return undefined;
    return { ...d, status: 'active', pausedReason: null, nextFireAt: cursorAfter(d.schedule, Date.parse(now)) };
  });
}
