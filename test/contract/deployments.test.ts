// Contract: /v1/deployments and /v1/deployment_runs through the official SDK, on every dialect;
// scheduled fires driven by a manual clock (no sleeping until real fire times).
import type Anthropic from '@anthropic-ai/sdk';
import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { createAgent, createEnvironment, userMessage } from '../helpers/fixtures.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { useServer } from '../helpers/use.js';

const START = '2026-05-01T00:00:00.000Z';

async function newDeployment(client: Anthropic, overrides: Partial<Anthropic.Beta.DeploymentCreateParams> = {}) {
  const agent = await createAgent(client);
  const env = await createEnvironment(client);
  return client.beta.deployments.create({
    name: 'Weekly compliance scan',
    agent: agent.id,
    environment_id: env.id,
    initial_events: [userMessage('Run the weekly compliance scan.')],
    schedule: { type: 'cron', expression: '0 20 * * 5', timezone: 'America/New_York' },
    ...overrides,
  });
}

/** Waits (real time, bounded) until `probe` returns a value. */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function runsOf(client: Anthropic, deploymentId: string) {
  const runs: Anthropic.Beta.BetaManagedAgentsDeploymentRun[] = [];
  for await (const r of client.beta.deploymentRuns.list({ deployment_id: deploymentId, limit: 100 })) runs.push(r);
  return runs;
}

describe.each(dialects())('deployments (%s)', (dialect) => {
  const clock = new ManualClock(Date.parse(START));
  // A model with no list price, served through the model map (a budget cannot measure it).
  const t = useServer(dialect, { clock, env: { AGENTD_MODEL_MAP: JSON.stringify({ 'claude-private-preview': 'claude-private-preview' }) } });

  it('creates, retrieves, updates, lists; upcoming_runs_at is what croner computes', async () => {
    const agent = await createAgent(t.client);
    const env = await createEnvironment(t.client);
    const d = await t.client.beta.deployments.create({
      name: 'Weekly compliance scan',
      description: 'fridays',
      agent: agent.id,
      environment_id: env.id,
      metadata: { team: 'risk' },
      initial_events: [userMessage('Run the weekly compliance scan.')],
      schedule: { type: 'cron', expression: '0 20 * * 5', timezone: 'America/New_York' },
    });
    expect(d).toMatchObject({
      type: 'deployment',
      name: 'Weekly compliance scan',
      description: 'fridays',
      status: 'active',
      paused_reason: null,
      agent: { type: 'agent', id: agent.id, version: agent.version },
      environment_id: env.id,
      metadata: { team: 'risk' },
      resources: [],
      vault_ids: [],
      archived_at: null,
      initial_events: [userMessage('Run the weekly compliance scan.')],
    });
    expect(d.id).toMatch(/^depl_/);
    const croner = new Cron('0 20 * * 5', { timezone: 'America/New_York', paused: true })
      .nextRuns(5, new Date(clock.now()))
      .map((x) => x.toISOString());
    expect(d.schedule).toEqual({
      type: 'cron',
      expression: '0 20 * * 5',
      timezone: 'America/New_York',
      last_run_at: null,
      upcoming_runs_at: croner,
    });
    expect(croner[0]).toBe('2026-05-02T00:00:00.000Z');
    expect(await t.client.beta.deployments.retrieve(d.id)).toEqual(d);

    const updated = await t.client.beta.deployments.update(d.id, {
      name: 'Daily scan',
      metadata: { team: null, tier: 'gold' },
      schedule: { type: 'cron', expression: '0 9 * * *', timezone: 'UTC' },
    });
    expect(updated).toMatchObject({ name: 'Daily scan', metadata: { tier: 'gold' }, description: 'fridays' });
    expect(updated.schedule?.upcoming_runs_at?.slice(0, 2)).toEqual(['2026-05-01T09:00:00.000Z', '2026-05-02T09:00:00.000Z']);

    const listed: string[] = [];
    for await (const x of t.client.beta.deployments.list({ agent_id: agent.id })) listed.push(x.id);
    expect(listed).toEqual([d.id]);
  });

  it('pause, unpause and archive follow the documented rules', async () => {
    const d = await newDeployment(t.client);
    const paused = await t.client.beta.deployments.pause(d.id);
    expect(paused).toMatchObject({ status: 'paused', paused_reason: { type: 'manual' } });
    expect(paused.schedule?.upcoming_runs_at).toHaveLength(5); // what it would do if unpaused
    expect(await t.client.beta.deployments.pause(d.id)).toMatchObject({ status: 'paused' });
    const pausedIds: string[] = [];
    for await (const x of t.client.beta.deployments.list({ status: 'paused' })) pausedIds.push(x.id);
    expect(pausedIds).toContain(d.id);

    // Manual runs are permitted while paused.
    const run = await t.client.beta.deployments.run(d.id);
    expect(run).toMatchObject({ type: 'deployment_run', deployment_id: d.id, trigger_context: { type: 'manual' }, error: null });
    expect(run.session_id).toMatch(/^sesn_/);

    const resumed = await t.client.beta.deployments.unpause(d.id);
    expect(resumed).toMatchObject({ status: 'active', paused_reason: null });

    const archived = await t.client.beta.deployments.archive(d.id);
    expect(archived.archived_at).not.toBeNull();
    expect(archived.schedule?.upcoming_runs_at).toEqual([]);
    for (const attempt of [
      () => t.client.beta.deployments.update(d.id, { name: 'x' }),
      () => t.client.beta.deployments.pause(d.id),
      () => t.client.beta.deployments.unpause(d.id),
      () => t.client.beta.deployments.run(d.id),
    ]) {
      expectEnvelope(await failure(attempt()), 409, 'invalid_request_error');
    }
    const active: string[] = [];
    for await (const x of t.client.beta.deployments.list()) active.push(x.id);
    expect(active).not.toContain(d.id);
    const all: string[] = [];
    for await (const x of t.client.beta.deployments.list({ include_archived: true })) all.push(x.id);
    expect(all).toContain(d.id);
  });

  it('a manual run creates a session that starts with the initial events', async () => {
    const d = await newDeployment(t.client, {
      initial_events: [
        userMessage('Triage the overnight alerts.'),
        { type: 'user.define_outcome', description: 'a triage report', rubric: { type: 'text', content: 'lists every alert' } },
      ],
    });
    const run = await t.client.beta.deployments.run(d.id);
    expect(run.agent).toEqual(d.agent);
    expect(run.created_at).toBe(new Date(clock.now()).toISOString());
    const session = await t.client.beta.sessions.retrieve(run.session_id!);
    expect(session).toMatchObject({ deployment_id: d.id, environment_id: d.environment_id, agent: { id: d.agent.id, version: d.agent.version } });
    const events: Anthropic.Beta.Sessions.BetaManagedAgentsSessionEvent[] = [];
    for await (const e of t.client.beta.sessions.events.list(session.id)) events.push(e);
    expect(events.map((e) => e.type)).toEqual(['user.message', 'user.define_outcome']);
    expect(events[0]).toMatchObject({ content: [{ type: 'text', text: 'Triage the overnight alerts.' }] });

    expect(await t.client.beta.deploymentRuns.retrieve(run.id)).toEqual(run);
    const manual = await runsOf(t.client, d.id);
    expect(manual.map((r) => r.id)).toEqual([run.id]);
    const bySession: string[] = [];
    for await (const s of t.client.beta.sessions.list({ deployment_id: d.id })) bySession.push(s.id);
    expect(bySession).toEqual([session.id]);
    // Manual runs leave last_run_at alone.
    expect((await t.client.beta.deployments.retrieve(d.id)).schedule?.last_run_at).toBeNull();
  });

  it('a run whose agent is archived records agent_archived_error and archives the deployment', async () => {
    const d = await newDeployment(t.client);
    await t.client.beta.agents.archive(d.agent.id);
    const run = await t.client.beta.deployments.run(d.id);
    expect(run).toMatchObject({ session_id: null, error: { type: 'agent_archived_error' } });
    expect(run.error?.message).toContain(d.agent.id);
    expect((await t.client.beta.deployments.retrieve(d.id)).archived_at).not.toBeNull();
    const failed: string[] = [];
    for await (const r of t.client.beta.deploymentRuns.list({ deployment_id: d.id, has_error: true })) failed.push(r.id);
    expect(failed).toEqual([run.id]);
    const ok: string[] = [];
    for await (const r of t.client.beta.deploymentRuns.list({ deployment_id: d.id, has_error: false })) ok.push(r.id);
    expect(ok).toEqual([]);
  });

  it('an archived environment is a run error (the deployment stays)', async () => {
    const d = await newDeployment(t.client);
    await t.client.beta.environments.archive(d.environment_id);
    const run = await t.client.beta.deployments.run(d.id);
    expect(run).toMatchObject({ session_id: null, error: { type: 'environment_archived_error' } });
    expect((await t.client.beta.deployments.retrieve(d.id)).archived_at).toBeNull();
  });

  it("a deployment's budget and vault_ids reach every run's session; update replaces or clears them", async () => {
    const budget = { type: 'limit' as const, max_list_cost: { amount: '2500', currency: 'USD' as const } };
    const vault = await t.client.beta.vaults.create({ display_name: 'ops' });
    const d = await newDeployment(t.client, { budget, vault_ids: [vault.id] });
    expect(d).toMatchObject({ budget, vault_ids: [vault.id] });
    expect(await t.client.beta.deployments.retrieve(d.id)).toEqual(d);

    const run = await t.client.beta.deployments.run(d.id);
    expect(run.error).toBeNull();
    const session = await t.client.beta.sessions.retrieve(run.session_id!);
    expect(session.budget).toEqual(budget);
    expect(session.vault_ids).toEqual([vault.id]);

    const other = await t.client.beta.vaults.create({ display_name: 'other' });
    const raised = { type: 'limit' as const, max_list_cost: { amount: '9000', currency: 'USD' as const } };
    const changed = await t.client.beta.deployments.update(d.id, { budget: raised, vault_ids: [other.id, vault.id] });
    expect(changed).toMatchObject({ budget: raised, vault_ids: [other.id, vault.id] });
    const second = await t.client.beta.sessions.retrieve((await t.client.beta.deployments.run(d.id)).session_id!);
    expect(second).toMatchObject({ budget: raised, vault_ids: [other.id, vault.id] });

    // Other fields leave them alone; null clears them.
    expect(await t.client.beta.deployments.update(d.id, { name: 'renamed' })).toMatchObject({ budget: raised, vault_ids: [other.id, vault.id] });
    const cleared = await t.client.beta.deployments.update(d.id, { budget: null, vault_ids: null });
    expect(cleared).toMatchObject({ budget: null, vault_ids: [] });
    const third = await t.client.beta.sessions.retrieve((await t.client.beta.deployments.run(d.id)).session_id!);
    expect(third).toMatchObject({ budget: null, vault_ids: [] });
  });

  it('refuses vaults and budgets a session would refuse, at create and update, changing nothing', async () => {
    const budget = { type: 'limit' as const, max_list_cost: { amount: '500', currency: 'USD' as const } };
    const archived = await t.client.beta.vaults.create({ display_name: 'gone' });
    await t.client.beta.vaults.archive(archived.id);
    const withEnv = await t.client.beta.vaults.create({ display_name: 'env' });
    await t.client.beta.vaults.credentials.create(withEnv.id, {
      auth: { type: 'environment_variable', secret_name: 'API_KEY', secret_value: 'sk-deploy-budget-test', networking: { type: 'unrestricted' } },
    } as never);
    const ok = await t.client.beta.vaults.create({ display_name: 'ok' });
    const unpriced = await createAgent(t.client, { model: 'claude-private-preview' });
    // Environment-variable credentials need agentd's egress proxy: a self_hosted environment has none.
    const selfHosted = (await createEnvironment(t.client, { config: { type: 'self_hosted' } })).id;

    const cases: Array<[Partial<Anthropic.Beta.DeploymentCreateParams>, RegExp]> = [
      [{ vault_ids: ['vlt_missing'] }, /^vault_ids\[0\]: vault vlt_missing not found/],
      [{ vault_ids: [ok.id, archived.id] }, /^vault_ids\[1\]: .* is archived/],
      [{ vault_ids: [withEnv.id], environment_id: selfHosted }, /^vault_ids\[0\]: .*environment_variable.*self_hosted/],
      [{ vault_ids: [ok.id, ok.id] }, /^vault_ids\[1\]: .* listed twice/],
      [{ agent: unpriced.id, budget }, /^budget: .*model_not_budgetable/],
    ];
    for (const [patch, message] of cases) {
      const err = await failure(newDeployment(t.client, patch));
      expectEnvelope(err, 400, 'invalid_request_error');
      expect(err.error.error.message, JSON.stringify(patch)).toMatch(message);
    }
    // Without a budget the unpriced model is fine.
    expect(await newDeployment(t.client, { agent: unpriced.id })).toMatchObject({ budget: null });

    // A cloud environment takes them.
    expect(await newDeployment(t.client, { vault_ids: [withEnv.id] })).toMatchObject({ vault_ids: [withEnv.id] });
    const d = await newDeployment(t.client, { vault_ids: [ok.id], environment_id: selfHosted });
    const updates: Array<[Anthropic.Beta.DeploymentUpdateParams, RegExp]> = [
      [{ vault_ids: ['vlt_missing'] }, /^vault_ids\[0\]: vault vlt_missing not found/],
      [{ vault_ids: [withEnv.id] }, /^vault_ids\[0\]: .*environment_variable.*self_hosted/],
      [{ agent: unpriced.id, budget }, /^budget: .*model_not_budgetable/],
    ];
    for (const [patch, message] of updates) {
      const err = await failure(t.client.beta.deployments.update(d.id, patch));
      expectEnvelope(err, 400, 'invalid_request_error');
      expect(err.error.error.message, JSON.stringify(patch)).toMatch(message);
    }
    // A kept budget stays checked when only the agent changes.
    const capped = await newDeployment(t.client, { budget });
    const moved = await failure(t.client.beta.deployments.update(capped.id, { agent: unpriced.id }));
    expectEnvelope(moved, 400, 'invalid_request_error');
    expect(moved.error.error.message).toMatch(/model_not_budgetable/);
    expect(await t.client.beta.deployments.retrieve(d.id)).toEqual(d);
    expect(await t.client.beta.deployments.retrieve(capped.id)).toEqual(capped);
  });

  it('a vault archived after the deployment was made is a run error (vault_archived_error)', async () => {
    const vault = await t.client.beta.vaults.create({ display_name: 'soon gone' });
    const d = await newDeployment(t.client, { vault_ids: [vault.id] });
    await t.client.beta.vaults.archive(vault.id);
    const run = await t.client.beta.deployments.run(d.id);
    expect(run).toMatchObject({ session_id: null, error: { type: 'vault_archived_error' } });
    expect(run.error?.message).toContain(vault.id);
  });

  it('refuses bad input with a 400 naming the field, and stores nothing', async () => {
    const agent = await createAgent(t.client);
    const env = await createEnvironment(t.client);
    const base = {
      name: 'bad',
      agent: agent.id,
      environment_id: env.id,
      initial_events: [userMessage('go')],
      schedule: { type: 'cron' as const, expression: '0 9 * * *', timezone: 'UTC' },
    };
    const archivedAgent = await createAgent(t.client);
    await t.client.beta.agents.archive(archivedAgent.id);
    const archivedEnv = await createEnvironment(t.client);
    await t.client.beta.environments.archive(archivedEnv.id);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ schedule: { type: 'cron', expression: '61 * * * *', timezone: 'UTC' } }, 'schedule.expression'],
      [{ schedule: { type: 'cron', expression: '0 0 9 * * *', timezone: 'UTC' } }, 'schedule.expression'],
      [{ schedule: { type: 'cron', expression: '0 9 * * *', timezone: 'Mars/Olympus_Mons' } }, 'schedule.timezone'],
      [{ agent: archivedAgent.id }, 'agent'],
      [{ environment_id: archivedEnv.id }, 'environment_id'],
      [{ initial_events: [] }, 'initial_events'],
      [{ initial_events: [{ type: 'system.message', content: [{ type: 'text', text: 'x' }] }] }, 'initial_events'],
      [{ budget: { type: 'limit', max_list_cost: { amount: '5.00', currency: 'USD' } } }, 'budget.max_list_cost.amount'],
      [{ vault_ids: ['vlt_x'] }, 'vault_ids[0]'],
      [{ name: '' }, 'name'],
    ];
    for (const [patch, field] of cases) {
      const err = await failure(t.client.beta.deployments.create({ ...base, ...patch } as never));
      expectEnvelope(err, 400, 'invalid_request_error');
      // (?!\w) rather than \b: a field may end in "]" (vault_ids[0]), where \b does not hold before ":".
      expect(err.error.error.message, JSON.stringify(patch)).toMatch(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}(?!\\w)`));
    }
    const d = await newDeployment(t.client);
    const err = await failure(t.client.beta.deployments.update(d.id, { schedule: { type: 'cron', expression: 'nope', timezone: 'UTC' } }));
    expectEnvelope(err, 400, 'invalid_request_error');
    expect(err.error.error.message).toMatch(/^schedule\.expression/);
    expect(await t.client.beta.deployments.retrieve(d.id)).toEqual(d);
    const none: string[] = [];
    for await (const x of t.client.beta.deployments.list({ agent_id: agent.id })) none.push(x.id);
    expect(none).toEqual([]);
    expectEnvelope(await failure(t.client.beta.deployments.retrieve('depl_missing')), 404, 'not_found_error');
    expectEnvelope(await failure(t.client.beta.deploymentRuns.retrieve('drun_missing')), 404, 'not_found_error');
  });
});

describe.each(dialects())('deployment schedules on a manual clock (%s)', (dialect) => {
  // Starts the day before the 2026 spring-forward in New York; tests run in clock order.
  const clock = new ManualClock(Date.parse('2026-03-07T12:00:00.000Z'));
  const t = useServer(dialect, { clock });

  it('fires each instant once with a session, and records scheduled_at and last_run_at', async () => {
    const d = await newDeployment(t.client, { schedule: { type: 'cron', expression: '*/10 * * * *', timezone: 'UTC' } });
    expect(d.schedule?.upcoming_runs_at?.[0]).toBe('2026-03-07T12:10:00.000Z');
    clock.set('2026-03-07T12:10:00.000Z');
    const [run] = await eventually(async () => {
      const runs = await runsOf(t.client, d.id);
      return runs.length > 0 ? runs : undefined;
    }, 'the first scheduled run');
    expect(run).toMatchObject({ trigger_context: { type: 'schedule', scheduled_at: '2026-03-07T12:10:00.000Z' }, error: null });
    const session = await t.client.beta.sessions.retrieve(run!.session_id!);
    expect(session.deployment_id).toBe(d.id);
    const after = await t.client.beta.deployments.retrieve(d.id);
    expect(after.schedule?.last_run_at).toBe('2026-03-07T12:10:00.000Z');
    expect(after.schedule?.upcoming_runs_at?.[0]).toBe('2026-03-07T12:20:00.000Z');

    // Paused: the next instant passes without a run; unpaused, it does not backfill.
    await t.client.beta.deployments.pause(d.id);
    clock.set('2026-03-07T12:21:00.000Z');
    await clock.untilSleeping(1);
    await new Promise((r) => setTimeout(r, 100));
    await t.client.beta.deployments.unpause(d.id);
    clock.set('2026-03-07T12:30:00.000Z');
    const runs = await eventually(async () => {
      const all = await runsOf(t.client, d.id);
      return all.length >= 2 ? all : undefined;
    }, 'the run after unpausing');
    expect(runs.map((r) => (r.trigger_context as { scheduled_at: string }).scheduled_at)).toEqual([
      '2026-03-07T12:30:00.000Z',
      '2026-03-07T12:10:00.000Z',
    ]);
    await t.client.beta.deployments.archive(d.id);
  });

  it('follows New York wall-clock time across DST: a skipped 2:30 does not fire, a repeated 1:30 fires twice', async () => {
    const spring = await newDeployment(t.client, { schedule: { type: 'cron', expression: '30 2 * * *', timezone: 'America/New_York' } });
    expect(spring.schedule?.upcoming_runs_at?.slice(0, 2)).toEqual(['2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z']);
    clock.set('2026-03-08T08:00:00.000Z'); // 4 AM EDT: 2:30 never happened today
    await clock.untilSleeping(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(await runsOf(t.client, spring.id)).toEqual([]);
    clock.set('2026-03-09T06:30:00.000Z');
    await eventually(async () => ((await runsOf(t.client, spring.id)).length === 1 ? true : undefined), 'the 2:30 EDT run');
    await t.client.beta.deployments.archive(spring.id);

    const fall = await newDeployment(t.client, { schedule: { type: 'cron', expression: '30 1 * * *', timezone: 'America/New_York' } });
    clock.set('2026-10-31T12:00:00.000Z');
    const upcoming = (await t.client.beta.deployments.retrieve(fall.id)).schedule?.upcoming_runs_at;
    expect(upcoming?.slice(0, 3)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    // The instants of the months in between were missed by more than the catch-up window: skipped.
    await clock.untilSleeping(1);
    for (const instant of ['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z']) {
      clock.set(instant);
      await eventually(async () => {
        const runs = await runsOf(t.client, fall.id);
        return runs.some((r) => (r.trigger_context as { scheduled_at?: string }).scheduled_at === instant) ? true : undefined;
      }, `the run at ${instant}`);
    }
    const runs = await runsOf(t.client, fall.id);
    expect(runs.map((r) => (r.trigger_context as { scheduled_at: string }).scheduled_at).sort()).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:30:00.000Z',
    ]);
  });
});
