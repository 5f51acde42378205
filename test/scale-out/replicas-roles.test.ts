// Roles on one PostgreSQL database: an `api` replica serves the API and runs no sessions; an
// `engine` replica runs them and serves only the probes and metrics; readiness is its own route.
import { describe, expect, it } from 'vitest';
import { useFakeAnthropic } from '../helpers/use.js';
import { replicaDatabase, startReplica } from '../helpers/replicas.js';
import { spawnAgentd } from '../helpers/agentd-process.js';
import { StreamReader } from '../helpers/stream.js';
import { isTerminal, sendText } from '../helpers/turns.js';

const KEY = 'sk-roles-test';

describe.skipIf(!process.env.AGENTD_TEST_DATABASE_URL)('replicas: roles and readiness (postgres)', () => {
  const fake = useFakeAnthropic();
  const database = replicaDatabase();
  const { replicas } = database;
  const env = () => ({ AGENTD_API_KEY: KEY, ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: 'sk-model' });

  it('input sent to an api replica waits for an engine replica, which runs the turn', async () => {
    const api = await startReplica('api', { databaseUrl: database.url(), env: env(), args: ['--role', 'api'] });
    replicas.push(api);
    expect(api.proc!.output()).toContain('role      api');
    expect((await fetch(`${api.url}/health/ready`)).status).toBe(200);

    const agent = await api.client.beta.agents.create({ name: 'roles', model: 'claude-sonnet-4-6' });
    const environment = await api.client.beta.environments.create({ name: `roles-env-${Date.now()}` });
    const session = await api.client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    const stream = await api.client.beta.sessions.events.stream(session.id);
    const reader = new StreamReader(stream);
    try {
      fake.enqueue({ content: [{ type: 'text', text: 'run by the engine replica' }] });
      const requestsBefore = fake.requests.length;
      await sendText(api.client, session.id, 'who runs me?');
      await reader.until((e) => e.type === 'user.message', 10_000);
      // The api replica runs no engine: nothing reaches the model while it is alone.
      expect(await reader.quietFor(1500)).toBe(true);
      expect(fake.requests.length).toBe(requestsBefore);

      const engine = await startReplica('engine', { databaseUrl: database.url(), env: env(), args: ['--role', 'engine'] });
      replicas.push(engine);
      const events = await reader.until(isTerminal, 30_000);
      expect(events.find((e) => e.type === 'agent.message')).toMatchObject({ content: [{ text: 'run by the engine replica' }] });

      // The engine replica serves the probes and metrics only.
      expect(engine.proc!.output()).toContain('role      engine');
      expect((await fetch(`${engine.url}/health`)).status).toBe(200);
      const ready = await fetch(`${engine.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready' });
      expect((await fetch(`${engine.url}/metrics`, { headers: { 'x-api-key': KEY } })).status).toBe(200);
      await expect(engine.client.beta.agents.list()).rejects.toMatchObject({ status: 404 });
    } finally {
      stream.controller.abort();
    }
  });

  it('refuses an unknown role', async () => {
    const p = spawnAgentd(['--port', '0', '--database-url', database.url(), '--role', 'worker'], env());
    expect(await p.exited).not.toBe(0);
    expect(p.output()).toContain('invalid role "worker": expected one of all, api, engine');
  });
});
