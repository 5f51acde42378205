// The real `agentd serve` process: flags, env, the one-time key notice, /health, SIGTERM.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { AGENTD_BIN, freePort, spawnAgentd, waitForHealth, type AgentdProcess } from '../helpers/agentd-process.js';

describe('agentd serve (process)', () => {
  const procs: AgentdProcess[] = [];
  afterEach(() => {
    for (const p of procs.splice(0)) p.child.kill('SIGKILL');
  });

  it('generates a key once, serves /health, and shuts down cleanly on SIGTERM with streams closed', async () => {
    expect(fs.existsSync(AGENTD_BIN), 'run `npm run build` first').toBe(true);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-serve-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;

    const first = spawnAgentd(['--port', String(port), '--data-dir', dataDir]);
    procs.push(first);
    await waitForHealth(url);
    const key = fs.readFileSync(path.join(dataDir, 'api-key'), 'utf8').trim();
    expect(first.output()).toContain(key);

    const client = new Anthropic({ baseURL: url, apiKey: key, maxRetries: 0 });
    const agent = await client.beta.agents.create({ name: 'p', model: 'claude-sonnet-4-6' });
    const env = await client.beta.environments.create({ name: 'p-env' });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    const stream = await client.beta.sessions.events.stream(session.id);
    const drained = (async () => {
      const seen: string[] = [];
      for await (const e of stream) seen.push(e.type);
      return seen;
    })();

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(await drained).toEqual([]); // the stream ended instead of hanging

    // Second start on the same data dir: same key accepted, never printed again, data intact.
    const second = spawnAgentd([], { AGENTD_PORT: String(port), AGENTD_DATA_DIR: dataDir });
    procs.push(second);
    await waitForHealth(url);
    expect(second.output()).not.toContain(key);
    expect((await client.beta.agents.retrieve(agent.id)).name).toBe('p');
    const denied = await new Anthropic({ baseURL: url, apiKey: 'wrong', maxRetries: 0 }).beta.agents
      .list()
      .catch((e) => e);
    expect(denied.status).toBe(401);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('uses AGENTD_API_KEY (comma-separated) instead of generating a key', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-serve-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const p = spawnAgentd(['--port', String(port), '--data-dir', dataDir], { AGENTD_API_KEY: 'key-one, key-two' });
    procs.push(p);
    await waitForHealth(url);
    expect(fs.existsSync(path.join(dataDir, 'api-key'))).toBe(false);
    for (const apiKey of ['key-one', 'key-two']) {
      const c = new Anthropic({ baseURL: url, apiKey, maxRetries: 0 });
      expect((await c.beta.agents.list()).data).toEqual([]);
    }
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
