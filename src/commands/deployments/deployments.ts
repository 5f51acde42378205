// Deployment use cases: create, update, archive, pause, unpause (runs: run-deployment.ts).
import type { DeploymentAgentParam, DeploymentCreateInput, DeploymentUpdateInput } from '../../api/schemas/deployment.js';
import { newId } from '../../api/ids.js';
import { checkSchedule, nextFireAfter } from '../../domain/cron-schedule.js';
import { applyMetadataPatch } from '../../domain/metadata.js';
import type { DeploymentAgentRef, DeploymentRecord, DeploymentResourceParam } from '../../domain/records/deployment.js';
import { conflict, invalidRequest, notFound } from '../../errors.js';
import type { Store } from '../../store/types.js';
import type { CommandContext } from '../context.js';
import { requireUsableEnvironment } from '../environments.js';
import { checkEventReferences } from '../events.js';
import { emitWebhook } from '../webhooks/emit.js';
import type { WebhookType } from '../../domain/webhook-events.js';

export async function getDeployment(store: Store, workspaceId: string, id: string): Promise<DeploymentRecord> {
  const d = await store.deployments.get(workspaceId, id);
  if (!d) throw notFound(`deployment ${id} not found`);
  return d;
}

/** An agent id pins the agent's current version; a reference may pin an older one. */
async function resolveAgent(store: Store, workspaceId: string, param: DeploymentAgentParam): Promise<DeploymentAgentRef> {
  const ref = typeof param === 'string' ? { id: param } : param;
  const agent = await store.agents.get(workspaceId, ref.id);
  if (!agent) throw notFound(`agent: agent ${ref.id} not found`);
  if (agent.archivedAt) throw invalidRequest(`agent: agent ${agent.id} is archived; archived agents cannot be deployed`);
  const version = 'version' in ref && ref.version !== undefined ? ref.version : agent.version;
  if (version !== agent.version && !(await store.agents.getVersion(agent.id, version))) {
    throw invalidRequest(`agent.version: agent ${agent.id} has no version ${version}`);
  }
  return { type: 'agent', id: agent.id, version };
}

function checkSupported(input: { vault_ids?: string[] | null | undefined; budget?: unknown }): void {
  if (input.vault_ids && input.vault_ids.length > 0) {
    throw invalidRequest("vault_ids: deployments do not pass vaults to their runs' sessions yet (sessions.create takes vault_ids)");
  }
  // Sessions enforce budgets and take vaults; deployments do not store either for their runs yet.
  if (input.budget !== undefined && input.budget !== null) {
    throw invalidRequest("budget: deployments do not pass a budget to their runs' sessions yet (sessions.create takes budget)");
  }
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
  checkSupported(input);
  const schedule = input.schedule ? validSchedule(input.schedule) : null;
  const agent = await resolveAgent(ctx.store, workspaceId, input.agent);
  await requireUsableEnvironment(ctx.store, workspaceId, input.environment_id, 'environment_id');
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
    vaultIds: [],
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
  checkSupported(input);
  const schedule = input.schedule ? validSchedule(input.schedule) : input.schedule;
  const agent = input.agent !== undefined ? await resolveAgent(ctx.store, workspaceId, input.agent) : undefined;
  if (input.environment_id !== undefined) {
    await requireUsableEnvironment(ctx.store, workspaceId, input.environment_id, 'environment_id');
  }
  if (input.initial_events) await checkInitialEvents(ctx.store, workspaceId, input.initial_events);
  return change(ctx, workspaceId, id, 'deployment.updated', (d, now) => {
    assertNotArchived(d, 'be modified');
    const next: DeploymentRecord = {
      ...d,
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(agent ? { agent } : {}),
      ...(input.environment_id !== undefined ? { environmentId: input.environment_id } : {}),
      ...(input.initial_events !== undefined ? { initialEvents: input.initial_events } : {}),
      ...(input.resources !== undefined ? { resources: (input.resources ?? []) as DeploymentResourceParam[] } : {}),
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
