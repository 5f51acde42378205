// Resources on replicas that share only PostgreSQL: an `api` replica takes the session (it checks
// the repository answers, copies the file into the database's blob store, and places nothing on
// its disk); the `engine` replica that runs the session materialises both before the turn.
import fs from 'node:fs';
import path from 'node:path';
import { toFile } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFakeAnthropic } from '../helpers/use.js';
import { replicaDatabase, startReplica } from '../helpers/replicas.js';
import { createTestRepo, serveRepoOverHttp, type GitHttpServer, type TestRepo } from '../helpers/git-repos.js';
import { sendText, streamWhile } from '../helpers/turns.js';

const KEY = 'sk-mounts-test';
const TOKEN = 'ghp_replica_mounts_token';

describe.skipIf(!process.env.AGENTD_TEST_DATABASE_URL)('replicas: mounts are prepared by the replica that runs the session (postgres)', () => {
  const fake = useFakeAnthropic();
  const database = replicaDatabase();
  const { replicas } = database;
  const env = () => ({
    AGENTD_API_KEY: KEY,
    ANTHROPIC_BASE_URL: fake.url,
    ANTHROPIC_API_KEY: 'sk-model',
    ...(process.env.AGENTD_SANDBOX ? { AGENTD_SANDBOX: process.env.AGENTD_SANDBOX } : {}),
  });
  let repo: TestRepo;
  let server: GitHttpServer;
  beforeAll(async () => {
    repo = createTestRepo('replicated-repo');
    server = await serveRepoOverHttp(repo, TOKEN);
  });
  afterAll(async () => {
    await server?.close();
    repo?.remove();
  });

  it('a session created through the api replica finds its file and repository on the engine replica', async () => {
    const api = await startReplica('api', { databaseUrl: database.url(), env: env(), args: ['--role', 'api'] });
    replicas.push(api);
    const engine = await startReplica('engine', { databaseUrl: database.url(), env: env(), args: ['--role', 'engine'] });
    replicas.push(engine);

    const client = api.client;
    const agent = await client.beta.agents.create({ name: 'mounts', model: 'claude-sonnet-4-6', tools: [{ type: 'agent_toolset_20260401' }] });
    const environment = await client.beta.environments.create({ name: `mounts-env-${Date.now()}` });
    const upload = await client.beta.files.upload({ file: await toFile(Buffer.from('bytes from the blob store\n'), 'notes.txt') });
    const session = await client.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      resources: [
        { type: 'file', file_id: upload.id, mount_path: '/workspace/notes.txt' },
        { type: 'github_repository', url: server.url, authorization_token: TOKEN },
      ],
    });
    // The api replica placed nothing on its own disk.
    expect(fs.existsSync(path.join(api.dataDir, 'ws', session.id))).toBe(false);

    fake.enqueue(
      { content: [{ type: 'tool_use', name: 'bash', input: { command: 'cat notes.txt replicated-repo/README.md' } }] },
      { content: [{ type: 'text', text: 'Done.' }] },
    );
    const events = await streamWhile(client, session.id, () => sendText(client, session.id, 'Go'), undefined, 60_000);
    expect(events.filter((e) => e.type === 'session.error')).toEqual([]);
    const result = events.find((e) => e.type === 'agent.tool_result');
    const text = result?.type === 'agent.tool_result' ? (result.content ?? []).map((b) => ('text' in b ? b.text : '')).join('') : '';
    expect(text).toContain('bytes from the blob store');
    expect(text).toContain('v2');
    expect(fs.existsSync(path.join(engine.dataDir, 'ws', session.id, 'workspace', 'replicated-repo', 'README.md'))).toBe(true);
    expect(fs.existsSync(path.join(api.dataDir, 'ws', session.id))).toBe(false);
  });
});
