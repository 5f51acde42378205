// The README's SDK snippet, exactly as printed there, run twice as a real Node program against a
// real server whose engine calls the scripted fake model: it must finish, and finish again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { TEST_API_KEY } from '../helpers/server.js';
import { runNode } from './run-node.js';

/** The first ```ts block after "Use it with the official SDK" in README.md. */
function readmeSnippet(): string {
  const readme = fs.readFileSync('README.md', 'utf8');
  const from = readme.indexOf('Use it with the official SDK');
  expect(from, 'README still introduces the SDK snippet').toBeGreaterThan(0);
  const match = /```ts\n([\s\S]*?)```/.exec(readme.slice(from));
  expect(match, 'README has the ts snippet').not.toBeNull();
  return match![1]!;
}

describe('README SDK snippet', () => {
  const fake = useFakeAnthropic();
  const t = useServer('sqlite', () => ({ model: fake }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-readme-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs to completion, twice, reusing the "dev" environment', async () => {
    // Saved as the README says (hello.mjs), next to the project's node_modules so the SDK import resolves.
    fs.writeFileSync(path.join(dir, 'hello.mjs'), readmeSnippet());
    fs.symlinkSync(path.resolve('node_modules'), path.join(dir, 'node_modules'));
    const env = { AGENTD_URL: t.url, AGENTD_API_KEY: TEST_API_KEY };

    for (const answer of ['Hello! How can I help?', 'Hello again.']) {
      fake.enqueue({ content: [{ type: 'text', text: answer }] });
      const r = await runNode(path.join(dir, 'hello.mjs'), { cwd: dir, env, timeoutMs: 30_000 });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines).toContain(answer);
      expect(lines.at(-1)).toBe('session.status_idle');
    }
    const envs = (await t.client.beta.environments.list()).data.filter((e) => e.name === 'dev');
    expect(envs).toHaveLength(1);
    expect(fake.remaining).toBe(0);
  });
});
