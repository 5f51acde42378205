// Deployment runs: claiming a scheduled instant, manual runs, and turning a claimed run into a
// session (or a run error). A run is written `pending` when claimed and finished in the same
// transaction that creates its session, so a crash in between loses nothing and creates nothing
// twice: another server finishes the pending run once its lease lapses.
import { newId } from '../../api/ids.js';
import type { DeploymentRecord, DeploymentRunError, DeploymentRunRecord } from '../../domain/records/deployment.js';
import { ApiError, conflict } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { UniqueViolationError } from '../../store/errors.js';
import type { SessionCreateInput } from '../../api/schemas/session.js';
import type { CommandContext } from '../context.js';
import { createSession } from '../sessions.js';
import { getDeployment } from './deployments.js';
import { emitWebhook } from '../webhooks/emit.js';

/** How long a server has to finish a run it claimed before another server may finish it. */
export const RUN_LEASE_MS = 120_000;

const leaseFrom = (now: string) => new Date(Date.parse(now) + RUN_LEASE_MS).toISOString();

function pendingRun(d: DeploymentRecord, scheduledAt: string | null, now: string): DeploymentRunRecord {
  return {
    id: newId('drun'),
    workspaceId: d.workspaceId,
    deploymentId: d.id,
    agent: d.agent,
    triggerType: scheduledAt === null ? 'manual' : 'schedule',
    scheduledAt,
    state: 'pending',
    leaseUntil: leaseFrom(now),
    sessionId: null,
    error: null,
    createdAt: now,
  };
}

/**
 * Moves `d`'s cursor to `next` and, when `fireAt` is set, records the pending run for that instant —
 * atomically, and only if no other server moved the cursor first. Returns the run this server owns.
 */
export async function claimScheduledRun(
  ctx: CommandContext,
  d: DeploymentRecord,
  fireAt: string | null,
  next: string | null,
): Promise<DeploymentRunRecord | undefined> {
  if (d.nextFireAt === null) return undefined;
  const expected = d.nextFireAt;
  try {
    return await ctx.store.transaction(async (tx) => {
      if (!(await tx.deployments.advanceCursor(d.id, expected, next))) return undefined;
      if (fireAt === null) return undefined;
      const run = pendingRun(d, fireAt, ctx.now());
      await tx.deployments.insertRun(run);
      await emitWebhook(tx, 'deployment_run.started', run.id, run.workspaceId, run.createdAt);
      return run;
    });
  } catch (err) {
    if (!(err instanceof UniqueViolationError)) throw err;
    // The instant's run exists already (the unique key per deployment and instant): not ours. The
    // rolled-back transaction also moved the cursor, so move it here without the run: left on the
    // past instant it is due forever and every scheduler retries it without sleeping. The cursor
    // lands on a ran instant when an update or unpause computes "next after now" on a clock behind
    // the one that claimed it (replica skew, a backward NTP step).
    await ctx.store.deployments.advanceCursor(d.id, expected, next);
    return undefined;
  }
}

/** POST /v1/deployments/{id}/run: a session now, even while paused. */
export async function runDeploymentNow(
  ctx: CommandContext,
  logger: Logger,
  workspaceId: string,
  id: string,
): Promise<DeploymentRunRecord> {
  const d = await getDeployment(ctx.store, workspaceId, id);
  if (d.archivedAt) throw conflict(`deployment ${id} is archived; it cannot be run`);
  const run = pendingRun(d, null, ctx.now());
  await ctx.store.transaction(async (tx) => {
    await tx.deployments.insertRun(run);
    await emitWebhook(tx, 'deployment_run.started', run.id, run.workspaceId, run.createdAt);
  });
  return executeRun(ctx, logger, run);
}

/** Takes over a pending run whose server stopped before finishing it; undefined if another took it. */
export async function resumeAbandonedRun(
  ctx: CommandContext,
  logger: Logger,
  run: DeploymentRunRecord,
): Promise<DeploymentRunRecord | undefined> {
  if (!(await ctx.store.deployments.leaseRun(run.id, run.leaseUntil, leaseFrom(ctx.now())))) return undefined;
  return executeRun(ctx, logger, run);
}

class RunFinishedElsewhere extends Error {}

/** Creates the run's session (or records why it could not be created) and finishes the run. */
export async function executeRun(ctx: CommandContext, logger: Logger, run: DeploymentRunRecord): Promise<DeploymentRunRecord> {
  const d = await ctx.store.deployments.get(run.workspaceId, run.deploymentId);
  const failed = (error: DeploymentRunError, archiveDeployment = false) => finishWithError(ctx, run, error, archiveDeployment);
  if (!d) return failed({ type: 'unknown_error', message: `deployment ${run.deploymentId} no longer exists` });
  const agent = await ctx.store.agents.get(d.workspaceId, d.agent.id);
  if (!agent || agent.archivedAt) {
    // Documented: a deployment whose agent is archived or deleted is archived too (terminal).
    return failed({ type: 'agent_archived_error', message: `agent \`${d.agent.id}\` is archived` }, true);
  }
  const env = await ctx.store.environments.get(d.workspaceId, d.environmentId);
  if (!env) return failed({ type: 'environment_not_found_error', message: `environment \`${d.environmentId}\` not found` });
  if (env.archivedAt) return failed({ type: 'environment_archived_error', message: `environment \`${d.environmentId}\` is archived` });

  const input: SessionCreateInput = {
    agent: d.agent,
    environment_id: d.environmentId,
    resources: d.resources as SessionCreateInput['resources'],
    // system.message is a client event the log takes like the others.
    initial_events: d.initialEvents as SessionCreateInput['initial_events'],
    // Each run's session gets the deployment's vaults and budget (its own budget, spent afresh).
    vault_ids: d.vaultIds,
    ...(d.budget ? { budget: d.budget } : {}),
  };
  try {
    const session = await createSession(ctx, d.workspaceId, input, {
      deploymentId: d.id,
      inTransaction: async (tx, s) => {
        if (!(await tx.deployments.finishRun(run.id, { sessionId: s.id, error: null }))) throw new RunFinishedElsewhere();
        await emitWebhook(tx, 'deployment_run.succeeded', run.id, run.workspaceId, ctx.now());
        if (run.triggerType === 'schedule') await tx.deployments.recordLastRun(d.id, ctx.now());
      },
    });
    return { ...run, state: 'done', leaseUntil: null, sessionId: session.id };
  } catch (err) {
    if (err instanceof RunFinishedElsewhere) return (await ctx.store.deployments.getRun(run.workspaceId, run.id)) ?? run;
    if (err instanceof ApiError) return failed(runErrorFor(err));
    logger.error({ err, deploymentId: d.id, runId: run.id }, 'deployment run failed to create its session');
    return failed({ type: 'unknown_error', message: 'the session could not be created' });
  }
}

/** What a refused session creation means as a run error (the request's message says which field). */
function runErrorFor(err: ApiError): DeploymentRunError {
  const m = err.message;
  if (/\bfile\b.*not found/.test(m)) return { type: 'file_not_found_error', message: m };
  if (/\bskill\b/.test(m) && err.status === 400) return { type: 'skill_not_found_error', message: m };
  if (/memory store .* archived/.test(m)) return { type: 'memory_store_archived_error', message: m };
  if (/^vault_ids\[\d+\]: vault \S+ not found/.test(m)) return { type: 'vault_not_found_error', message: m };
  if (/^vault_ids\[\d+\]: vault \S+ is archived/.test(m)) return { type: 'vault_archived_error', message: m };
  if (err.status === 429) return { type: 'session_rate_limited_error', message: m };
  return { type: 'session_creation_rejected_error', message: m };
}

async function finishWithError(
  ctx: CommandContext,
  run: DeploymentRunRecord,
  error: DeploymentRunError,
  archiveDeployment: boolean,
): Promise<DeploymentRunRecord> {
  return ctx.store.transaction(async (tx) => {
    if (!(await tx.deployments.finishRun(run.id, { sessionId: null, error }))) {
      return (await tx.deployments.getRun(run.workspaceId, run.id)) ?? run;
    }
    await emitWebhook(tx, 'deployment_run.failed', run.id, run.workspaceId, ctx.now());
    if (archiveDeployment) {
      const d = await tx.deployments.get(run.workspaceId, run.deploymentId);
      if (d && !d.archivedAt) {
        const now = ctx.now();
        const archived = { ...d, archivedAt: now, nextFireAt: null, updatedAt: now > d.updatedAt ? now : d.updatedAt };
        if (await tx.deployments.update(archived, d)) await emitWebhook(tx, 'deployment.archived', d.id, d.workspaceId, now);
      }
    }
    return { ...run, state: 'done' as const, leaseUntil: null, error };
  });
}
