// `agentd apply` as a real process against a real server: a plan first, creates, then updates
// (an agent's version bump, a skill's new version), a second run that changes nothing, --dry-run,
// and --prune removing only what apply made and the files no longer name.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers/use.js';
import { TEST_API_KEY } from '../helpers/server.js';
import { skillMd } from '../helpers/skills.js';
import { runCli } from './run-cli.js';

const AGENT = (system: string) => `kind: agent
name: apply-agent
model: claude-sonnet-4-6
system: ${system}
tools:
  - type: agent_toolset_20260401
metadata:
  team: docs
`;

const BASE = `kind: environment
name: apply-env
config:
  type: cloud
  networking:
    type: unrestricted
---
kind: vault
display_name: apply-vault
---
kind: memory_store
name: apply-notes
description: What the agent learned
---
kind: skill
directory: skills/apply-skill
`;

describe('agentd apply', () => {
  const t = useServer('sqlite');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-apply-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const apply = (...args: string[]) => runCli(['apply', '-f', dir, ...args], { env: { AGENTD_URL: t.url, AGENTD_API_KEY: TEST_API_KEY }, timeoutMs: 60_000 });
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  const agents = async () => (await t.client.beta.agents.list()).data.filter((a) => a.name === 'apply-agent');

  it('plans, creates, is a no-op the second time, updates what changed, and prunes only with --prune', async () => {
    write('base.yaml', BASE);
    write('agents/agent.yml', AGENT('Be brief.'));
    write('skills/apply-skill/SKILL.md', skillMd('apply-skill', 'Use when applying.'));
    write('skills/apply-skill/notes.txt', 'v1\n');

    const dry = await apply('--dry-run');
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(
      'plan:\n' +
        '  + create environment apply-env\n' +
        '  + create vault apply-vault\n' +
        '  + create memory_store apply-notes\n' +
        '  + create skill apply-skill\n' +
        '  + create agent apply-agent\n' +
        'dry run, nothing changed: 5 created, 0 updated, 0 unchanged, 0 pruned\n',
    );
    expect(await agents()).toHaveLength(0);

    const first = await apply();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^created environment apply-env \(env_\w+\)$/m);
    expect(first.stdout).toMatch(/^created agent apply-agent \(agent_\w+, version 1\)$/m);
    expect(first.stdout).toMatch(/5 created, 0 updated, 0 unchanged, 0 pruned\n$/);
    const [agent] = await agents();
    expect(agent).toMatchObject({ system: 'Be brief.', version: 1, metadata: { team: 'docs', 'agentd-apply': 'managed' } });

    const second = await apply();
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/= unchanged agent apply-agent/);
    expect(second.stdout).toMatch(/0 created, 0 updated, 5 unchanged, 0 pruned\n$/);
    expect((await agents())[0]!.version).toBe(1);

    write('agents/agent.yml', AGENT('Be very brief.'));
    write('skills/apply-skill/notes.txt', 'v2\n');
    const third = await apply('--json');
    expect(third.code).toBe(0);
    const report = JSON.parse(third.stdout) as { results: { action: string; kind: string; fields?: string[]; version?: number }[] };
    expect(report.results.find((r) => r.kind === 'agent')).toMatchObject({ action: 'update', fields: ['system'], version: 2 });
    expect(report.results.find((r) => r.kind === 'skill')).toMatchObject({ action: 'update', fields: ['files'] });
    expect(report.results.filter((r) => r.action === 'unchanged').map((r) => r.kind)).toEqual(['environment', 'vault', 'memory_store']);
    expect((await agents())[0]).toMatchObject({ system: 'Be very brief.', version: 2 });
    const skill = (await t.client.beta.skills.list()).data.find((s) => s.display_name === 'apply-skill')!;
    expect((await t.client.beta.skills.versions.list(skill.id)).data).toHaveLength(2);
    expect((await apply()).stdout).toMatch(/0 created, 0 updated, 5 unchanged, 0 pruned\n$/);

    // Dropped from the files: kept without --prune; with it, removed — but never what apply did not make.
    const stranger = await t.client.beta.memoryStores.create({ name: 'made-by-hand' });
    write('base.yaml', BASE.replace('---\nkind: memory_store\nname: apply-notes\ndescription: What the agent learned\n', ''));
    const kept = await apply();
    expect(kept.stdout).toMatch(/0 created, 0 updated, 4 unchanged, 0 pruned\n$/);
    const pruned = await apply('--prune');
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toMatch(/^ {2}- delete memory_store apply-notes \(memstore_\w+\)$/m);
    expect(pruned.stdout).toMatch(/0 created, 0 updated, 4 unchanged, 1 pruned\n$/);
    const stores = (await t.client.beta.memoryStores.list()).data.map((s) => s.name);
    expect(stores).toContain('made-by-hand');
    expect(stores).not.toContain('apply-notes');
    await t.client.beta.memoryStores.delete(stranger.id);
  });

  it('a bad document is a usage error naming the file and document; nothing is sent', async () => {
    write('bad/x.yaml', 'kind: agent\nname: ok-agent\nmodel: claude-sonnet-4-6\n---\nkind: widget\nname: w\n');
    const r = await runCli(['apply', '-f', path.join(dir, 'bad')], { env: { AGENTD_URL: t.url, AGENTD_API_KEY: TEST_API_KEY } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path.join(dir, 'bad', 'x.yaml')}#2: kind must be one of environment, vault, memory_store, skill, agent, not "widget"`);
    expect((await t.client.beta.agents.list()).data.map((a) => a.name)).not.toContain('ok-agent');
  });
});
