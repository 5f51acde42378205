// Contract: session resources (files, repositories) on create and through sessions.resources.*,
// driven by the official SDK, with a scripted model reading them inside the sandbox.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { toFile } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { createTestRepo, LOCAL_REPOS_ENV, LOCAL_REPOS_ROOT, serveRepoOverHttp, type TestRepo } from '../helpers/git-repos.js';
import { type TestServer } from '../helpers/server.js';
import { runToolTurn } from '../helpers/tool-turn.js';
import { sendText, streamWhile } from '../helpers/turns.js';

const BETA = 'managed-agents-2026-04-01' as const;
/** The sandbox is the default; AGENTD_SANDBOX=none (an explicit opt-out) runs tools unisolated. */
const SANDBOX_ENV: Record<string, string> = process.env.AGENTD_SANDBOX ? { AGENTD_SANDBOX: process.env.AGENTD_SANDBOX } : {};
const sandboxed = process.env.AGENTD_SANDBOX !== 'none';
const TOKEN = 'ghp_SECRET_token_do_not_leak_123';

/** Every file under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => fs.readFileSync(f).includes(needle));
}

describe.each(dialects())('session resources (%s)', (dialect) => {
  let repo: TestRepo;
  let agentId: string;
  let envId: string;
  const workspaces = () => path.join(t.dataDir, 'workspaces');
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake, env: { ...SANDBOX_ENV, ...LOCAL_REPOS_ENV } }));

  beforeAll(async () => {
    repo = createTestRepo();
    agentId = (await createAgent(t.client, { tools: [{ type: 'agent_toolset_20260401' }] })).id;
    envId = (await createEnvironment(t.client)).id;
  });
  afterAll(async () => {
    repo?.remove();
  });

  const create = (resources: NonNullable<Parameters<TestServer['client']['beta']['sessions']['create']>[0]['resources']>) =>
    t.client.beta.sessions.create({ agent: agentId, environment_id: envId, resources });

  it('mounts uploaded files read-only; each mounted copy has its own session-scoped file id', async () => {
    const bytes = randomBytes(3000);
    const upload = await t.client.beta.files.upload({ file: await toFile(bytes, 'input.bin') });
    const notes = await t.client.beta.files.upload({ file: await toFile(Buffer.from('hello notes\n'), 'notes.txt', { type: 'text/plain' }) });
    const session = await create([
      { type: 'file', file_id: upload.id, mount_path: '/workspace/data/input.bin' },
      { type: 'file', file_id: notes.id },
    ]);
    const [mounted, byDefault] = session.resources;
    expect(Object.keys(mounted!).sort()).toEqual(['created_at', 'file_id', 'id', 'mount_path', 'type', 'updated_at']);
    expect(mounted).toMatchObject({ type: 'file', id: expect.stringMatching(/^sesrsc_/), mount_path: '/workspace/data/input.bin' });
    expect(byDefault).toMatchObject({ type: 'file', mount_path: `/mnt/session/uploads/${notes.id}` });
    const copyId = (mounted as { file_id: string }).file_id;
    expect(copyId).toMatch(/^file_/);
    expect(copyId).not.toBe(upload.id);

    // The copies are the session's files (scope = session), listed with it; the uploads are not.
    const scoped = (await t.client.beta.files.list({ scope_id: session.id, betas: [BETA] })).data;
    expect(scoped.map((f) => f.id).sort()).toEqual([copyId, (byDefault as { file_id: string }).file_id].sort());
    expect(scoped.find((f) => f.id === copyId)).toMatchObject({ filename: 'input.bin', size_bytes: bytes.length, scope: { type: 'session', id: session.id } });

    const results = await runToolTurn(t, fake, session.id, [
      // Relative to /workspace, the working directory (so the unsandboxed provider runs it too).
      { name: 'bash', input: { command: 'base64 -w0 data/input.bin' } },
      { name: 'read', input: { file_path: `/mnt/session/uploads/${notes.id}` } },
      { name: 'bash', input: { command: 'echo changed > /workspace/data/input.bin' } },
      { name: 'write', input: { file_path: '/workspace/data/input.bin', content: 'changed' } },
    ]);
    expect(Buffer.from(results[0]!.text.trim(), 'base64').equals(bytes)).toBe(true);
    if (sandboxed) {
      expect(results[1]!.text).toContain('hello notes');
      expect(results[2]!.text).toMatch(/read-only/i);
      expect(results[3]!.isError).toBe(true);
    }
    // The original stays independent of the session's copy.
    await t.client.beta.files.delete(upload.id);
    const copy = Buffer.from(await (await t.client.beta.files.download(copyId)).arrayBuffer());
    expect(copy.equals(bytes)).toBe(true);
  });

  it('clones repositories at a branch, a commit or the default branch; the token never shows', async () => {
    const session = await create([
      { type: 'github_repository', url: repo.dir, authorization_token: TOKEN, checkout: { type: 'branch', name: 'feature' }, mount_path: '/workspace/feat' },
      { type: 'github_repository', url: `file://${repo.dir}`, checkout: { type: 'commit', sha: repo.firstSha }, mount_path: '/opt/repos/old' },
      { type: 'github_repository', url: repo.dir, authorization_token: TOKEN, mount_path: '/workspace/demo' },
    ]);
    expect(JSON.stringify(session)).not.toContain(TOKEN);
    const [feat, old] = session.resources;
    expect(Object.keys(feat!).sort()).toEqual(['checkout', 'created_at', 'id', 'mount_path', 'type', 'updated_at', 'url']);
    expect(feat).toMatchObject({ type: 'github_repository', url: repo.dir, mount_path: '/workspace/feat', checkout: { type: 'branch', name: 'feature' } });
    expect(old).toMatchObject({ checkout: { type: 'commit', sha: repo.firstSha } });
    const listed = (await t.client.beta.sessions.resources.list(session.id)).data;
    expect(listed).toEqual(session.resources);
    expect(JSON.stringify(listed)).not.toContain(TOKEN);

    const results = await runToolTurn(t, fake, session.id, [
      { name: 'bash', input: { command: 'cat feat/feature.txt && git -C feat rev-parse HEAD' } },
      { name: 'bash', input: { command: 'cat /opt/repos/old/README.md && git -C /opt/repos/old rev-parse HEAD' } },
      { name: 'bash', input: { command: 'cat demo/README.md && cat demo/.git/config feat/.git/config' } },
    ]);
    expect(results[0]!.text).toContain('feature work');
    expect(results[0]!.text).toContain(repo.featureSha);
    if (sandboxed) {
      expect(results[1]!.text).toContain('v1');
      expect(results[1]!.text).toContain(repo.firstSha);
    }
    expect(results[2]!.text).toContain('v2');
    expect(results[2]!.text).toContain(`url = ${repo.dir}`);
    expect(results[2]!.text).not.toContain(TOKEN);
    // Nothing of the session on the host holds the token (clones, .git/config, outputs).
    expect(filesContaining(path.join(workspaces(), session.id), TOKEN)).toEqual([]);

    // Rotation: stored for the repository, never echoed.
    const featId = (feat as { id: string }).id;
    const rotated = await t.client.beta.sessions.resources.update(featId, { session_id: session.id, authorization_token: 'ghp_rotated_456' });
    expect(rotated).toMatchObject({ id: (feat as { id: string }).id, type: 'github_repository', url: repo.dir });
    expect(JSON.stringify(rotated)).not.toContain('ghp_rotated_456');
    expect(Date.parse((rotated as { updated_at: string }).updated_at)).toBeGreaterThanOrEqual(Date.parse((feat as { updated_at: string }).updated_at));
    const stored = await t.server.store.sessions.find(session.id);
    expect(stored?.resources[0]?.secret?.authorization_token).toBe('ghp_rotated_456');
    expect(JSON.stringify(await t.client.beta.sessions.retrieve(session.id))).not.toContain('ghp_rotated');
  });

  it('sends the token to the git server only as an HTTP header of the clone', async () => {
    const server = await serveRepoOverHttp(repo, TOKEN);
    try {
      const session = await create([{ type: 'github_repository', url: server.url, authorization_token: TOKEN }]);
      expect(session.resources[0]).toMatchObject({ url: server.url, mount_path: '/workspace/demo-repo' });
      // Creation asked the server for its refs (with the token) but cloned nothing: the engine clones.
      expect(server.authorizations.length).toBeGreaterThan(0);
      const readme = path.join(workspaces(), session.id, 'workspace', 'demo-repo', 'README.md');
      expect(fs.existsSync(readme)).toBe(false);
      const results = await runToolTurn(t, fake, session.id, [{ name: 'bash', input: { command: 'cat demo-repo/README.md' } }]);
      expect(results[0]!.text).toContain('v2');
      expect(fs.readFileSync(readme, 'utf8')).toBe('v2\n');
      expect(server.authorizations.length).toBeGreaterThan(0);
      expect(filesContaining(path.join(workspaces(), session.id), TOKEN)).toEqual([]);

      for (const token of [undefined, 'ghp_wrong']) {
        const err = await failure(create([{ type: 'github_repository', url: server.url, ...(token ? { authorization_token: token } : {}) }]));
        expectEnvelope(err, 400, 'invalid_request_error');
        expect(err.error.error.message).toMatch(/^resources\[0\]\.url: could not clone/);
        if (token) expect(err.error.error.message).not.toContain(token);
      }
    } finally {
      await server.close();
    }
  });

  it('fails creation clearly when a resource cannot be mounted, leaving nothing behind', async () => {
    const upload = await t.client.beta.files.upload({ file: await toFile(Buffer.from('x'), 'x.txt') });
    const sessionsBefore = (await t.client.beta.sessions.list({ limit: 100 })).data.length;
    const filesBefore = (await t.client.beta.files.list({ limit: 1000 })).data.length;
    const dirsBefore = fs.existsSync(workspaces()) ? fs.readdirSync(workspaces()).sort() : [];

    const cases: [Parameters<typeof create>[0], RegExp][] = [
      [[{ type: 'file', file_id: upload.id }, { type: 'github_repository', url: path.join(LOCAL_REPOS_ROOT, 'nonexistent') }], /^resources\[1\]\.url: could not clone/],
      // The server's git reads what the agentd user can: local paths only under AGENTD_REPOSITORY_LOCAL_ROOTS, never
      // agentd's own data (another session's workspace, the database), and file:// urls likewise.
      [[{ type: 'github_repository', url: '/nonexistent/repo' }], /^resources\[0\]\.url: local repositories are cloned only from directories the operator lists in AGENTD_REPOSITORY_LOCAL_ROOTS/],
      [[{ type: 'github_repository', url: `file://${path.dirname(LOCAL_REPOS_ROOT)}/elsewhere.git` }], /^resources\[0\]\.url: local repositories are cloned only/],
      [[{ type: 'github_repository', url: t.dataDir }], /^resources\[0\]\.url: .* is inside agentd's own data/],
      // A token as the url's user name would be echoed wherever the url is (responses, errors, .git/config).
      [[{ type: 'github_repository', url: 'https://ghp_embeddedtoken123@127.0.0.1:9/o/r.git' }], /^resources\[0\]\.url: must not embed credentials/],
      [[{ type: 'github_repository', url: repo.dir, checkout: { type: 'branch', name: 'nope' } }], /^resources\[0\]\.checkout\.name: branch nope not found/],
      [[{ type: 'github_repository', url: repo.dir, checkout: { type: 'commit', sha: 'not-hex' } }], /^resources\[0\]\.checkout\.sha:/],
      [[{ type: 'github_repository', url: 'ext::sh -c touch% /tmp/pwned' }], /^resources\[0\]\.url:/],
      [[{ type: 'file', file_id: 'file_missing' }], /^resources\[0\]\.file_id:/],
      [[{ type: 'file', file_id: upload.id, mount_path: 'relative/x.txt' }], /^resources\[0\]\.mount_path: must be an absolute path/],
      [[{ type: 'file', file_id: upload.id, mount_path: '/workspace/../etc/x' }], /^resources\[0\]\.mount_path:/],
      [[{ type: 'file', file_id: upload.id, mount_path: '/mnt/session/outputs/x' }], /^resources\[0\]\.mount_path:/],
      [[{ type: 'file', file_id: upload.id, mount_path: '/workspace' }], /^resources\[0\]\.mount_path:/],
      [
        [{ type: 'file', file_id: upload.id, mount_path: '/workspace/a' }, { type: 'file', file_id: upload.id, mount_path: '/workspace/a' }],
        /^resources\[1\]\.mount_path: \/workspace\/a overlaps/,
      ],
      [[{ type: 'memory_store', memory_store_id: 'memstore_1' }], /^resources\[0\]\.memory_store_id: memory store memstore_1 not found/],
    ];
    for (const [resources, message] of cases) {
      const err = await failure(create(resources));
      expectEnvelope(err, 400, 'invalid_request_error');
      expect(err.error.error.message).toMatch(message);
    }
    expect(fs.existsSync('/tmp/pwned')).toBe(false);
    expect((await t.client.beta.sessions.list({ limit: 100 })).data.length).toBe(sessionsBefore);
    expect((await t.client.beta.files.list({ limit: 1000 })).data.length).toBe(filesBefore);
    expect(fs.existsSync(workspaces()) ? fs.readdirSync(workspaces()).sort() : []).toEqual(dirsBefore);
  });

  it('adds, lists (paged), retrieves and deletes file resources; the agent sees added files', async () => {
    const session = await create([]);
    const uploads = await Promise.all(
      ['a', 'b', 'c'].map(async (n) => t.client.beta.files.upload({ file: await toFile(Buffer.from(`content ${n}\n`), `${n}.txt`) })),
    );
    const added = [];
    for (const [i, u] of uploads.entries()) {
      added.push(await t.client.beta.sessions.resources.add(session.id, { type: 'file', file_id: u.id, ...(i < 2 ? { mount_path: `/workspace/in/${i}.txt` } : {}) }));
    }
    expect(added[0]).toMatchObject({ type: 'file', id: expect.stringMatching(/^sesrsc_/), mount_path: '/workspace/in/0.txt' });
    expect(added[0]!.file_id).not.toBe(uploads[0]!.id);
    expect(added[2]!.mount_path).toBe(`/mnt/session/uploads/${uploads[2]!.id}`);

    const walked = [];
    for await (const r of t.client.beta.sessions.resources.list(session.id, { limit: 1 })) walked.push(r);
    expect(walked).toEqual(added);
    expect((await t.client.beta.sessions.retrieve(session.id)).resources).toEqual(added);
    expect(await t.client.beta.sessions.resources.retrieve(added[1]!.id, { session_id: session.id })).toEqual(added[1]);

    const results = await runToolTurn(t, fake, session.id, [{ name: 'bash', input: { command: 'cat in/0.txt in/1.txt' } }]);
    expect(results[0]!.text).toContain('content a\ncontent b');

    const deleted = await t.client.beta.sessions.resources.delete(added[0]!.id, { session_id: session.id });
    expect(deleted).toEqual({ id: added[0]!.id, type: 'session_resource_deleted' });
    expectEnvelope(await failure(t.client.beta.sessions.resources.retrieve(added[0]!.id, { session_id: session.id })), 404, 'not_found_error');
    expectEnvelope(await failure(t.client.beta.files.retrieveMetadata(added[0]!.file_id)), 404, 'not_found_error');
    expect((await t.client.beta.sessions.resources.list(session.id)).data.map((r) => (r as { id: string }).id)).toEqual([added[1]!.id, added[2]!.id]);
    expect(fs.existsSync(path.join(workspaces(), session.id, 'workspace', 'in', '0.txt'))).toBe(false);
    // The path is free again.
    const again = await t.client.beta.sessions.resources.add(session.id, { type: 'file', file_id: uploads[0]!.id, mount_path: '/workspace/in/0.txt' });
    expect(again.id).not.toBe(added[0]!.id);
  });

  it('keeps what the agent changed in its resources when the replica lost its record of them; never replaces the agent\'s files', async () => {
    const session = await create([{ type: 'github_repository', url: repo.dir, mount_path: '/workspace/kept' }]);
    const first = await runToolTurn(t, fake, session.id, [{ name: 'bash', input: { command: 'echo edited > kept/README.md && echo mine > taken.txt' } }]);
    expect(first[0]!.isError).toBe(false);
    // A workspace made before records were kept (or whose record is gone): what is there is adopted.
    fs.rmSync(path.join(workspaces(), session.id, 'prepared.json'));
    const second = await runToolTurn(t, fake, session.id, [{ name: 'bash', input: { command: 'cat kept/README.md' } }]);
    expect(second[0]!.text).toContain('edited');
    const repoId = (session.resources[0] as { id: string }).id;
    expect(JSON.parse(fs.readFileSync(path.join(workspaces(), session.id, 'prepared.json'), 'utf8'))).toMatchObject({ placed: { [repoId]: '/workspace/kept' } });

    // A file resource attached where the agent already wrote a file: the agent's file stays, and the
    // resource that cannot be placed is a terminal error.
    const upload = await t.client.beta.files.upload({ file: await toFile(Buffer.from('resource\n'), 'taken.txt') });
    const added = await t.client.beta.sessions.resources.add(session.id, { type: 'file', file_id: upload.id, mount_path: '/workspace/taken.txt' });
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'Go'), (e) => e.type === 'session.status_terminated', 30_000);
    const error = events.find((e) => e.type === 'session.error');
    expect(error).toMatchObject({ error: { type: 'unknown_error', retry_status: { type: 'terminal' } } });
    expect((error as { error: { message: string } }).error.message).toContain(added.id);
    expect(fs.readFileSync(path.join(workspaces(), session.id, 'workspace', 'taken.txt'), 'utf8')).toBe('mine\n');
  });

  it('answers 404, 400 and 409 as documented', async () => {
    const session = await create([{ type: 'github_repository', url: repo.dir }]);
    const repoId = (session.resources[0] as { id: string }).id;
    const upload = await t.client.beta.files.upload({ file: await toFile(Buffer.from('z'), 'z.txt') });
    const file = await t.client.beta.sessions.resources.add(session.id, { type: 'file', file_id: upload.id, mount_path: '/data/z.txt' });
    const q = { session_id: session.id };

    const err = async (p: Promise<unknown>, status: number, message?: RegExp) => {
      const e = await failure(p);
      expectEnvelope(e, status, status === 404 ? 'not_found_error' : 'invalid_request_error');
      if (message) expect(e.error.error.message).toMatch(message);
    };
    await err(t.client.beta.sessions.resources.list('sesn_missing'), 404);
    await err(t.client.beta.sessions.resources.add('sesn_missing', { type: 'file', file_id: upload.id }), 404);
    await err(t.client.beta.sessions.resources.retrieve('sesrsc_missing', q), 404);
    await err(t.client.beta.sessions.resources.update('sesrsc_missing', { ...q, authorization_token: 'x' }), 404);
    await err(t.client.beta.sessions.resources.delete('sesrsc_missing', q), 404);
    await err(t.client.beta.sessions.resources.add(session.id, { type: 'file', file_id: 'file_missing' }), 400, /^file_id:/);
    await err(t.client.beta.sessions.resources.add(session.id, { type: 'github_repository', url: repo.dir } as never), 400, /^type:/);
    await err(t.client.beta.sessions.resources.add(session.id, { type: 'file', file_id: upload.id, mount_path: '/data/z.txt' }), 400, /^mount_path: .*overlaps/);
    await err(t.client.beta.sessions.resources.update(file.id, { ...q, authorization_token: 'x' }), 400, /^authorization_token:/);
    await err(t.client.beta.sessions.resources.delete(repoId, q), 400, /lifetime/);

    await t.client.beta.sessions.archive(session.id);
    await err(t.client.beta.sessions.resources.add(session.id, { type: 'file', file_id: upload.id }), 409, /archived/);
    await err(t.client.beta.sessions.resources.update(repoId, { ...q, authorization_token: 'x' }), 409, /archived/);
    await err(t.client.beta.sessions.resources.delete(file.id, q), 409, /archived/);
    // Reading stays possible.
    expect((await t.client.beta.sessions.resources.list(session.id)).data).toHaveLength(2);
    expect(await t.client.beta.sessions.resources.retrieve(file.id, q)).toEqual(file);
  });
});
