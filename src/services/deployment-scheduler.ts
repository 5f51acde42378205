// The scheduler: fires deployments' cron instants on every server that runs agent loops. Each
// instant is claimed by compare-and-set on the deployment's cursor (see run-deployment.ts), so
// servers sharing one database never fire it twice; pending runs left by a stopped server are
// finished here too. It sleeps on the injected clock, so tests drive it with a manual one.
import type { CommandContext } from '../commands/context.js';
import { claimScheduledRun, executeRun, resumeAbandonedRun } from '../commands/deployments/run-deployment.js';
import type { Clock } from '../domain/clock.js';
import { nextFireAfter } from '../domain/cron-schedule.js';
import { decideDue } from '../domain/schedule-due.js';
import type { DeploymentRecord } from '../domain/records/deployment.js';
import type { Logger } from '../logger.js';

export interface SchedulerOptions {
  ctx: CommandContext;
  clock: Clock;
  logger: Logger;
  /** Missed instants older than this are skipped after downtime (AGENTD_DEPLOYMENT_CATCH_UP_SECONDS). */
  catchUpMs: number;
  /** The longest sleep between looks at the database (other servers may add deployments). */
  pollMs: number;
}

const BATCH = 50;
const iso = (ms: number) => new Date(ms).toISOString();

export class DeploymentScheduler {
  private readonly stop = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: SchedulerOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { clock, logger } = this.opts;
    while (!this.stop.signal.aborted) {
      try {
        await this.tick();
      } catch (err) {
        logger.error({ err }, 'deployment scheduler pass failed');
      }
      if (this.stop.signal.aborted) break;
      await clock.sleep(await this.untilNextLook(), this.stop.signal);
    }
  }

  private async untilNextLook(): Promise<number> {
    const earliest = await this.opts.ctx.store.deployments.earliestDue().catch(() => null);
    const wait = earliest === null ? this.opts.pollMs : Date.parse(earliest) - this.opts.clock.now();
    return Math.max(0, Math.min(this.opts.pollMs, wait));
  }

  /** One pass: fire what is due, then finish runs abandoned by stopped servers. */
  async tick(): Promise<void> {
    const { ctx, logger } = this.opts;
    const now = this.opts.clock.now();
    for (const d of await ctx.store.deployments.due(iso(now), BATCH)) {
      if (this.stop.signal.aborted) return;
      await this.fire(d, now);
    }
    for (const run of await ctx.store.deployments.abandonedRuns(iso(now), BATCH)) {
      if (this.stop.signal.aborted) return;
      await resumeAbandonedRun(ctx, logger, run);
    }
  }

  private async fire(d: DeploymentRecord, now: number): Promise<void> {
    const { ctx, logger, catchUpMs } = this.opts;
    if (!d.schedule || d.nextFireAt === null) return;
    const { expression, timezone } = d.schedule;
    const decision = decideDue(Date.parse(d.nextFireAt), now, catchUpMs, (t) => nextFireAfter(expression, timezone, t));
    if (decision.skipped) {
      logger.warn({ deploymentId: d.id, fired: decision.fire === null ? null : iso(decision.fire) }, 'deployment instants missed while no server ran were skipped');
    }
    const fireAt = decision.fire === null ? null : iso(decision.fire);
    const next = decision.next === null ? null : iso(decision.next);
    const run = await claimScheduledRun(ctx, d, fireAt, next);
    if (run) await executeRun(ctx, logger, run);
  }
}
