// Session outputs: what the agent writes under /mnt/session/outputs becomes session-scoped files,
// listed by files.list({ scope_id }) and downloaded byte for byte through the official SDK.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { toFile } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { type TestServer } from '../helpers/server.js';
import { runToolTurn } from '../helpers/tool-turn.js';

const BETA = 'managed-agents-2026-04-01' as const;
const SANDBOX_ENV: Record<string, string> = process.env.AGENTD_SANDBOX ? { AGENTD_SANDBOX: process.env.AGENTD_SANDBOX } : {};
const OUT = '/mnt/session/outputs';

// The unsandboxed provider (AGENTD_SANDBOX=none) maps only /workspace: there the agent's writes to
// /mnt/session/outputs would land in the host's real /mnt, so the suite needs the sandbox.
describe.skipIf(process.env.AGENTD_SANDBOX === 'none').each(dialects())('session outputs (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake, env: SANDBOX_ENV }));

  async function newSession(resources: Parameters<TestServer['client']['beta']['sessions']['create']>[0]['resources'] = []) {
    const agent = await createAgent(t.client, { tools: [{ type: 'agent_toolset_20260401' }] });
    const env = await createEnvironment(t.client);
    return t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id, resources });
  }
  const outputs = async (sessionId: string) => {
    const files = [];
    for await (const f of t.client.beta.files.list({ scope_id: sessionId, betas: [BETA] })) files.push(f);
    return files.sort((a, b) => a.filename.localeCompare(b.filename));
  };
  const download = async (id: string) => Buffer.from(await (await t.client.beta.files.download(id)).arrayBuffer());

  it('captures text (write) and binary (bash) outputs, byte for byte', async () => {
    const session = await newSession();
    const binary = randomBytes(30_000);
    const text = 'Quarterly report\n\u00e9t\u00e9 \u2713\n';
    const results = await runToolTurn(t, fake, session.id, [
      { name: 'write', input: { file_path: `${OUT}/report.md`, content: text } },
      { name: 'bash', input: { command: `mkdir -p ${OUT}/data && echo ${binary.toString('base64')} | base64 -d > ${OUT}/data/report.bin && echo ok` } },
    ]);
    expect(results.map((r) => r.isError)).toEqual([false, false]);

    const files = await outputs(session.id);
    expect(files.map((f) => [f.filename, f.size_bytes, f.mime_type])).toEqual([
      ['data/report.bin', binary.length, 'application/octet-stream'],
      ['report.md', Buffer.byteLength(text), 'text/markdown'],
    ]);
    for (const f of files) expect(f).toMatchObject({ type: 'file', downloadable: true, scope: { type: 'session', id: session.id } });
    expect((await download(files[0]!.id)).equals(binary)).toBe(true);
    expect((await download(files[1]!.id)).toString('utf8')).toBe(text);
    // Scoped to this session only.
    expect(await outputs((await newSession()).id)).toEqual([]);
  });

  it('replaces a changed output with a new file, keeps unchanged and deleted ones', async () => {
    const session = await newSession();
    await runToolTurn(t, fake, session.id, [
      { name: 'bash', input: { command: `printf one > ${OUT}/a.txt && printf keep > ${OUT}/b.txt && printf gone > ${OUT}/c.txt` } },
    ]);
    const first = await outputs(session.id);
    expect(first.map((f) => f.filename)).toEqual(['a.txt', 'b.txt', 'c.txt']);

    await runToolTurn(t, fake, session.id, [
      { name: 'bash', input: { command: `printf 'one, revised' > ${OUT}/a.txt && touch ${OUT}/b.txt && rm ${OUT}/c.txt` } },
    ]);
    const second = await outputs(session.id);
    expect(second.map((f) => f.filename)).toEqual(['a.txt', 'b.txt', 'c.txt']);
    const [a1, b1, c1] = first;
    const [a2, b2, c2] = second;
    expect(a2!.id).not.toBe(a1!.id);
    expect((await download(a2!.id)).toString()).toBe('one, revised');
    expectEnvelope(await failure(t.client.beta.files.retrieveMetadata(a1!.id)), 404, 'not_found_error');
    expect(b2!.id).toBe(b1!.id); // touched, same bytes
    expect(c2!.id).toBe(c1!.id); // deleted by the agent, kept as captured
    expect((await download(c2!.id)).toString()).toBe('gone');

    // Capture's host-side index lost (as after a crash between recording a file and saving it):
    // files with the same bytes are adopted again, never duplicated.
    fs.rmSync(path.join(t.dataDir, 'workspaces', session.id, 'outputs-index.json'));
    await runToolTurn(t, fake, session.id, [{ name: 'bash', input: { command: 'true' } }]);
    expect((await outputs(session.id)).map((f) => f.id)).toEqual(second.map((f) => f.id));
  });

  it('never follows symlinks or captures special files; mounted copies stay separate', async () => {
    const upload = await t.client.beta.files.upload({ file: await toFile(Buffer.from('input'), 'input.txt') });
    const session = await newSession([{ type: 'file', file_id: upload.id, mount_path: '/workspace/input.txt' }]);
    const copyId = (session.resources[0] as { file_id: string }).file_id;
    await runToolTurn(t, fake, session.id, [
      {
        name: 'bash',
        input: {
          command:
            `ln -s /etc/passwd ${OUT}/passwd-link && ln -s / ${OUT}/root-link && mkfifo ${OUT}/fifo && ` +
            `cp input.txt ${OUT}/input.txt && echo ok`,
        },
      },
    ]);
    const files = await outputs(session.id);
    expect(files.map((f) => f.filename)).toEqual(['input.txt', 'input.txt']);
    const captured = files.find((f) => f.id !== copyId)!;
    expect((await download(captured.id)).toString()).toBe('input');
  });
});
