// Contract: resources are materialised by the engine's replica when a turn starts, and what cannot
// be materialised is reported as the SDK's session.error types, driven by the official SDK with a
// scripted model. Repositories that fail leave the session running (retry_status `retrying`, tried
// again at the next turn or when the token is rotated); a file that cannot be placed terminates it.
import { toFile } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { createTestRepo, LOCAL_REPOS_ENV, serveRepoOverHttp, type GitHttpServer, type TestRepo } from '../helpers/git-repos.js';
import { sendText, streamWhile, typesOf, type StreamEvent } from '../helpers/turns.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const SANDBOX_ENV: Record<string, string> = process.env.AGENTD_SANDBOX ? { AGENTD_SANDBOX: process.env.AGENTD_SANDBOX } : {};
const WEBHOOK_ENV = { AGENTD_WEBHOOK_PRIVATE_TARGETS: 'loopback', AGENTD_WEBHOOK_POLL_MS: '50' };
const TOKEN = 'ghp_mount_errors_token_123';
const BAD_TOKEN = 'ghp_rotated_but_wrong_456';

type ErrorEvent = Extract<StreamEvent, { type: 'session.error' }>;
const errorsOf = (events: StreamEvent[]) => events.filter((e): e is ErrorEvent => e.type === 'session.error').map((e) => e.error);

describe.each(dialects())('session mount errors (%s)', (dialect) => {
  let repo: TestRepo;
  let server: GitHttpServer;
  let agentId: string;
  let envId: string;
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake, env: { ...SANDBOX_ENV, ...WEBHOOK_ENV, ...LOCAL_REPOS_ENV } }));
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    repo = createTestRepo('served-repo');
    server = await serveRepoOverHttp(repo, TOKEN);
    agentId = (await createAgent(t.client, { tools: [{ type: 'agent_toolset_20260401' }] })).id;
    envId = (await createEnvironment(t.client)).id;
  });
  afterAll(async () => {
    await receiver?.close();
    await server?.close();
    repo?.remove();
  });

  /** One turn: the model runs `command` with bash (if given), then answers; every event of the turn. */
  async function turn(sessionId: string, command?: string): Promise<StreamEvent[]> {
    fake.enqueue(...(command ? [{ content: [{ type: 'tool_use' as const, name: 'bash', input: { command } }] }] : []), {
      content: [{ type: 'text' as const, text: 'Done.' }],
    });
    return streamWhile(t.client, sessionId, () => sendText(t.client, sessionId, 'Go'), undefined, 60_000);
  }
  const toolText = (events: StreamEvent[]) =>
    events.flatMap((e) => (e.type === 'agent.tool_result' ? (e.content ?? []).map((b) => ('text' in b ? b.text : '')) : [])).join('');

  it('reports each repository failure with its type at the turn, keeps running, and clones once the cause is gone', async () => {
    const session = await t.client.beta.sessions.create({
      agent: agentId,
      environment_id: envId,
      resources: [{ type: 'github_repository', url: server.url, authorization_token: TOKEN }],
    });
    const resourceId = (session.resources[0] as { id: string }).id;
    // The token is rotated to one the host refuses before the first turn: the clone uses it.
    await t.client.beta.sessions.resources.update(resourceId, { session_id: session.id, authorization_token: BAD_TOKEN });

    const first = await turn(session.id, 'ls served-repo || echo missing');
    expect(errorsOf(first)).toEqual([
      { type: 'repository_authentication_error', repository_url: server.url, retry_status: { type: 'retrying' }, message: expect.stringContaining(resourceId) },
    ]);
    // Reported before the model is called; the session keeps running without the repository.
    expect(typesOf(first).indexOf('session.error')).toBeLessThan(typesOf(first).indexOf('span.model_request_start'));
    expect(toolText(first)).toContain('missing');
    expect(first.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    expect(JSON.stringify(first)).not.toContain(BAD_TOKEN);

    // Each later turn tries again and reports what the host says now.
    await t.client.beta.sessions.resources.update(resourceId, { session_id: session.id, authorization_token: TOKEN });
    for (const [status, type] of [
      [403, 'repository_forbidden_error'],
      [404, 'repository_not_found_error'],
      [500, 'repository_clone_error'],
    ] as const) {
      server.failWith = status;
      const events = await turn(session.id);
      expect(errorsOf(events)).toEqual([{ type, repository_url: server.url, retry_status: { type: 'retrying' }, message: expect.any(String) }]);
      expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    }
    server.failWith = undefined;
    const healed = await turn(session.id, 'cat served-repo/README.md');
    expect(errorsOf(healed)).toEqual([]);
    expect(toolText(healed)).toContain('v2');
    expect((await t.client.beta.sessions.retrieve(session.id)).status).toBe('idle');
  });

  it('a resumed turn clones before its next tool call, with the token as rotated while it waited', async () => {
    const asking = await createAgent(t.client, {
      tools: [
        {
          type: 'agent_toolset_20260401',
          default_config: { permission_policy: { type: 'always_ask' } },
          configs: [
            { name: 'web_search', enabled: false },
            { name: 'web_fetch', enabled: false },
          ],
        },
      ],
    });
    const session = await t.client.beta.sessions.create({
      agent: asking.id,
      environment_id: envId,
      resources: [{ type: 'github_repository', url: server.url, authorization_token: TOKEN, mount_path: '/workspace/r' }],
    });
    const resourceId = (session.resources[0] as { id: string }).id;
    await t.client.beta.sessions.resources.update(resourceId, { session_id: session.id, authorization_token: BAD_TOKEN });
    fake.enqueue(
      { content: [{ type: 'tool_use' as const, name: 'bash', input: { command: 'cat r/README.md' } }] },
      { content: [{ type: 'text' as const, text: 'Done.' }] },
    );
    const asked = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'Go'), (e) => e.type === 'session.status_idle', 30_000);
    expect(errorsOf(asked).map((e) => e.type)).toEqual(['repository_authentication_error']);
    const idle = asked.at(-1) as Extract<StreamEvent, { type: 'session.status_idle' }>;
    expect(idle.stop_reason.type).toBe('requires_action');
    const callId = (idle.stop_reason as { event_ids: string[] }).event_ids[0]!;

    await t.client.beta.sessions.resources.update(resourceId, { session_id: session.id, authorization_token: TOKEN });
    const rest = await streamWhile(t.client, session.id, () =>
      t.client.beta.sessions.events.send(session.id, { events: [{ type: 'user.tool_confirmation', tool_use_id: callId, result: 'allow' }] }),
    );
    expect(errorsOf(rest)).toEqual([]);
    expect(toolText(rest)).toContain('v2');
    expect(rest.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
  });

  it.skipIf(process.env.AGENTD_SANDBOX === 'none')('a repository outside /workspace cloned on a later turn is mounted in the running sandbox', async () => {
    const session = await t.client.beta.sessions.create({
      agent: agentId,
      environment_id: envId,
      resources: [{ type: 'github_repository', url: server.url, authorization_token: TOKEN, mount_path: '/opt/repos/late' }],
    });
    // The first turn starts the sandbox without the repository (the host fails it: the resource itself stays unchanged).
    server.failWith = 500;
    const first = await turn(session.id, 'ls /opt/repos/late/README.md || echo missing').finally(() => {
      server.failWith = undefined;
    });
    expect(errorsOf(first).map((e) => e.type)).toEqual(['repository_clone_error']);
    expect(toolText(first)).toContain('missing');
    const second = await turn(session.id, 'cat /opt/repos/late/README.md');
    expect(errorsOf(second)).toEqual([]);
    expect(toolText(second)).toContain('v2');
  });

  it('reports a missing repository and a missing commit as their own types', async () => {
    const doomed = createTestRepo('doomed-repo');
    const session = await t.client.beta.sessions.create({
      agent: agentId,
      environment_id: envId,
      resources: [
        { type: 'github_repository', url: doomed.dir },
        // A commit cannot be checked at creation (a remote lists refs, not commits).
        { type: 'github_repository', url: repo.dir, checkout: { type: 'commit', sha: 'a'.repeat(40) }, mount_path: '/workspace/pinned' },
      ],
    });
    doomed.remove();
    const events = await turn(session.id);
    expect(errorsOf(events).map((e) => [e.type, 'repository_url' in e ? e.repository_url : undefined, e.retry_status])).toEqual([
      ['repository_not_found_error', doomed.dir, { type: 'retrying' }],
      ['repository_checkout_error', repo.dir, { type: 'retrying' }],
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
  });

  it('a file resource that cannot be mounted terminates the session: terminal error, status_terminated, its webhook, no more input', async () => {
    const endpoint = await t.client.beta.organization.webhooks.create({
      url: receiver.url,
      enabled_events: ['session.status_terminated'] as unknown as Parameters<typeof t.client.beta.organization.webhooks.create>[0]['enabled_events'],
    });
    const upload = await t.client.beta.files.upload({ file: await toFile(Buffer.from('data\n'), 'data.txt') });
    const session = await t.client.beta.sessions.create({
      agent: agentId,
      environment_id: envId,
      resources: [{ type: 'file', file_id: upload.id, mount_path: '/workspace/data.txt' }],
    });
    const resource = session.resources[0] as { id: string; file_id: string };
    // The session's own copy is deleted before the engine placed it.
    await t.client.beta.files.delete(resource.file_id);
    const before = fake.requests.length;
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'Go'), (e) => e.type === 'session.status_terminated', 30_000);
    expect(typesOf(events).slice(-2)).toEqual(['session.error', 'session.status_terminated']);
    expect(errorsOf(events)).toEqual([{ type: 'unknown_error', retry_status: { type: 'terminal' }, message: expect.stringContaining(resource.id) }]);
    expect(fake.requests.length).toBe(before); // no tokens spent
    expect((await t.client.beta.sessions.retrieve(session.id)).status).toBe('terminated');
    const refused = await failure(sendText(t.client, session.id, 'again'));
    expectEnvelope(refused, 409, 'invalid_request_error');
    expect(refused.error.error.message).toMatch(/terminated/);
    // The log ends there: nothing ran after the termination.
    const listed = (await t.client.beta.sessions.events.list(session.id, { limit: 100 })).data;
    expect(listed.at(-1)?.type).toBe('session.status_terminated');
    // Subscribers hear of it: the webhook, verified with the SDK.
    const [delivery] = await receiver.waitFor(1, (d) => d.body.includes(session.id), 15_000);
    const hook = t.client.beta.webhooks.unwrap(delivery!.body, { headers: delivery!.headers, key: endpoint.signing_secret });
    expect(hook).toMatchObject({ type: 'event', data: { type: 'session.status_terminated', id: session.id } });
  });
});
