// Environment packages through the official SDK: an environment's apt, npm and pip packages are
// installed once into a layer (inside a sandbox, under the environment's limited networking,
// through the egress proxy), and a later session with the same set reuses the layer without
// installing again; the agent's bash finds the Debian package's program and imports the pip
// and npm modules. The registries are real servers on 127.0.0.3 that the test builds: a Debian package made
// with dpkg-deb in an apt repository (a Packages index), a wheel in a PEP 503 simple index, and an
// npm tarball with its registry document.
// An install that fails (an unknown package) ends the turn with session.error.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { bash, runTools } from '../helpers/sandbox.js';
import { isTerminal, sendText, streamWhile } from '../helpers/turns.js';
import { StreamReader } from '../helpers/stream.js';
import { runCli } from '../cli/run-cli.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';

const HOST = '127.0.0.3';
const DEB = 'agentd-hello_1.0_all.deb';
const WHEEL = 'agentd_pipdemo-1.0-py3-none-any.whl';
const TARBALL = 'agentd-npmdemo-1.0.0.tgz';

interface Registry {
  url: string;
  /** Requests per path. */
  hits: Map<string, number>;
  /** Holds the next request for pip's index page until `release` is called; resolves when it arrives. */
  hold(): { arrived: Promise<void>; release(): void };
  close(): Promise<void>;
}

/** A Debian package whose only file is /usr/bin/agentd-hello. */
function buildDeb(dir: string): Buffer {
  const root = path.join(dir, 'deb');
  fs.mkdirSync(path.join(root, 'DEBIAN'), { recursive: true });
  fs.mkdirSync(path.join(root, 'usr', 'bin'), { recursive: true });
  fs.writeFileSync(path.join(root, 'DEBIAN', 'control'), 'Package: agentd-hello\nVersion: 1.0\nArchitecture: all\nMaintainer: agentd tests <tests@agentd.invalid>\nDescription: says hello\n');
  fs.writeFileSync(path.join(root, 'usr', 'bin', 'agentd-hello'), '#!/bin/sh\necho "hello from the deb"\n', { mode: 0o755 });
  const out = path.join(dir, DEB);
  execFileSync('dpkg-deb', ['--root-owner-group', '--build', root, out], { stdio: 'ignore' });
  return fs.readFileSync(out);
}

/** The apt repository's Packages index for one .deb (flat repository: `deb [trusted=yes] <url> ./`). */
function packagesIndex(deb: Buffer, debFile: string): string {
  const control = execFileSync('dpkg-deb', ['-f', debFile]).toString().trimEnd();
  const sum = (alg: string) => createHash(alg).update(deb).digest('hex');
  return `${control}\nFilename: ./${DEB}\nSize: ${deb.length}\nMD5sum: ${sum('md5')}\nSHA256: ${sum('sha256')}\n\n`;
}

/** A pure-Python wheel holding the module agentd_pipdemo. */
async function buildWheel(): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const info = 'agentd_pipdemo-1.0.dist-info';
  const files: Record<string, string> = {
    'agentd_pipdemo/__init__.py': 'GREETING = "hello from the wheel"\n',
    [`${info}/METADATA`]: 'Metadata-Version: 2.1\nName: agentd-pipdemo\nVersion: 1.0\n',
    [`${info}/WHEEL`]: 'Wheel-Version: 1.0\nGenerator: agentd-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
  };
  files[`${info}/RECORD`] = [...Object.keys(files), `${info}/RECORD`].map((f) => `${f},,`).join('\n') + '\n';
  for (const [name, text] of Object.entries(files)) zip.addBuffer(Buffer.from(text), name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** An npm package tarball (package/package.json, package/index.js). */
function buildTarball(dir: string): Buffer {
  const root = path.join(dir, 'npm', 'package');
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'agentd-npmdemo', version: '1.0.0', main: 'index.js' }));
  fs.writeFileSync(path.join(root, 'index.js'), "exports.greeting = 'hello from npm';\n");
  const out = path.join(dir, TARBALL);
  execFileSync('tar', ['-czf', out, '-C', path.join(dir, 'npm'), 'package']);
  return fs.readFileSync(out);
}

/** The registry's document for the package (what `npm install` reads first). */
function packument(tarball: Buffer, url: string): string {
  const dist = {
    tarball: `${url}/agentd-npmdemo/-/${TARBALL}`,
    shasum: createHash('sha1').update(tarball).digest('hex'),
    integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
  };
  return JSON.stringify({
    name: 'agentd-npmdemo',
    'dist-tags': { latest: '1.0.0' },
    versions: { '1.0.0': { name: 'agentd-npmdemo', version: '1.0.0', main: 'index.js', dist } },
  });
}

async function startRegistry(dir: string): Promise<Registry> {
  const deb = buildDeb(dir);
  const tarball = buildTarball(dir);
  let url = '';
  const index = packagesIndex(deb, path.join(dir, DEB));
  const wheel = await buildWheel();
  const hits = new Map<string, number>();
  let held: ((proceed: () => void) => void) | undefined;
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(p, (hits.get(p) ?? 0) + 1);
    const send = (type: string, body: string | Buffer) => res.writeHead(200, { 'content-type': type }).end(body);
    if (held && p === '/simple/agentd-pipdemo/') {
      const hold = held;
      held = undefined;
      return hold(() => send('text/html', `<html><body><a href="/files/${WHEEL}">${WHEEL}</a></body></html>`));
    }
    if (p === '/apt/Packages') return send('text/plain', index);
    if (p === `/apt/${DEB}`) return send('application/vnd.debian.binary-package', deb);
    if (p === '/simple/agentd-pipdemo/') return send('text/html', `<html><body><a href="/files/${WHEEL}">${WHEEL}</a></body></html>`);
    if (p === `/files/${WHEEL}`) return send('application/octet-stream', wheel);
    if (p === '/npm/agentd-npmdemo') return send('application/json', packument(tarball, `${url}/npm`));
    if (p === `/npm/agentd-npmdemo/-/${TARBALL}`) return send('application/octet-stream', tarball);
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  url = `http://${HOST}:${(server.address() as AddressInfo).port}`;
  const hold = () => {
    let release = () => {};
    const arrived = new Promise<void>((resolve) => {
      held = (proceed) => {
        release = proceed;
        resolve();
      };
    });
    let released = false;
    return {
      arrived,
      release: () => {
        if (!released) release();
        released = true;
      },
    };
  };
  return { url, hits, hold, close: () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }) };
}

const text = (e: { content?: Array<{ type: string; text?: string }> }) => (e.content ?? []).map((b) => b.text ?? '').join('');

describe.each(dialects())('environment packages (%s)', { timeout: 300_000 }, (dialect) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-packages-test-'));
  let registry: Registry;
  const sources = path.join(dir, 'sources.list');
  let traces: OtlpReceiver;
  beforeAll(async () => {
    registry = await startRegistry(dir);
    traces = await startOtlpReceiver();
    fs.writeFileSync(sources, `deb [trusted=yes] ${registry.url}/apt/ ./\n`);
  }, 60_000);
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({
    model: fake,
    env: {
      // The operator's mirrors: the registry's host is allowed by allow_package_managers, and its
      // loopback address is exempt from the deny rules.
      AGENTD_APT_SOURCES: sources,
      AGENTD_PIP_INDEX_URL: `${registry.url}/simple/`,
      AGENTD_NPM_REGISTRY: `${registry.url}/npm/`,
      AGENTD_SANDBOX_ALLOWED_NETWORKS: `${HOST}/32`,
      // Progress is an OpenTelemetry span (the SDK has no event type for it).
      OTEL_EXPORTER_OTLP_ENDPOINT: traces.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
  }));
  afterAll(async () => {
    await traces?.close();
    await registry?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const limited = { type: 'limited' as const, allowed_hosts: [], allow_package_managers: true };
  const agentWithBash = () => createAgent(t.client, { tools: [{ type: 'agent_toolset_20260401' }] });
  const use = bash(`agentd-hello && python3 -c 'import agentd_pipdemo; print(agentd_pipdemo.GREETING)' && node -e 'console.log(require("agentd-npmdemo").greeting)'`);

  it('installs a package set once and reuses the layer in a later session', async () => {
    const agent = await agentWithBash();
    const env = await createEnvironment(t.client, { config: { type: 'cloud', networking: limited, packages: { apt: ['agentd-hello'], npm: ['agentd-npmdemo'], pip: ['agentd-pipdemo'] } } });
    const first = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    const [ran, readOnly, where] = await runTools(t, fake, first.id, [
      use,
      bash('touch /opt/packages/x 2>&1; echo "exit=$?"'),
      bash('command -v agentd-hello; ls /opt/packages'),
    ]);
    expect(ran).toEqual({ isError: false, text: expect.stringMatching(/^hello from the deb\nhello from the wheel\nhello from npm\n?$/) });
    expect(readOnly!.text).toMatch(/Read-only file system[\s\S]*exit=1/);
    expect(where!.text).toContain('/opt/packages/apt/usr/bin/agentd-hello');
    expect(where!.text).toMatch(/apt[\s\S]*npm[\s\S]*pip/);
    expect(registry.hits.get(`/apt/${DEB}`)).toBe(1);
    expect(registry.hits.get(`/files/${WHEEL}`)).toBe(1);
    expect(registry.hits.get(`/npm/agentd-npmdemo/-/${TARBALL}`)).toBe(1);

    // Another environment with the same set (listed in another order) and another session: the
    // layer is reused, nothing is downloaded again.
    const again = await createEnvironment(t.client, {
      config: { type: 'cloud', networking: limited, packages: { pip: ['agentd-pipdemo'], npm: ['agentd-npmdemo'], apt: ['agentd-hello', 'agentd-hello'] } },
    });
    const second = await t.client.beta.sessions.create({ agent: agent.id, environment_id: again.id });
    const [reused] = await runTools(t, fake, second.id, [use]);
    expect(reused).toEqual(ran);
    expect(registry.hits.get(`/apt/${DEB}`)).toBe(1);
    expect(registry.hits.get(`/files/${WHEEL}`)).toBe(1);
    expect(registry.hits.get('/simple/agentd-pipdemo/')).toBe(1);
    expect(registry.hits.get(`/npm/agentd-npmdemo/-/${TARBALL}`)).toBe(1);

    // One layer on disk, with its manifest.
    const layers = fs.readdirSync(path.join(t.dataDir, 'packages')).filter((n) => !n.startsWith('.'));
    expect(layers).toHaveLength(1);
    expect(JSON.parse(fs.readFileSync(path.join(t.dataDir, 'packages', layers[0]!, '.agentd-packages.json'), 'utf8')).packages.apt).toEqual(['agentd-hello']);
    const errors = (await t.client.beta.sessions.events.list(first.id)).data.filter((e) => e.type === 'session.error');
    expect(errors).toEqual([]);
    // Each session's preparation is an install_packages span of its turn.
    for (const id of [first.id, second.id]) {
      const span = await traces.waitFor((x) => x.name === 'install_packages' && x.attributes['gen_ai.conversation.id'] === id, 30_000);
      expect(span.attributes['agentd.packages']).toBe('apt: agentd-hello; npm: agentd-npmdemo; pip: agentd-pipdemo');
      expect(span.status.code).not.toBe(2);
    }
  });

  it("the operator's registry hosts count as allowed for credential hosts too (no credential_host_unreachable_error)", async () => {
    const vault = await t.client.beta.vaults.create({ display_name: 'mirror' });
    await t.client.beta.vaults.credentials.create(vault.id, {
      auth: {
        type: 'environment_variable',
        secret_name: 'MIRROR_TOKEN',
        secret_value: `sk-mirror-${Math.random().toString(36).slice(2)}`,
        networking: { type: 'limited', allowed_hosts: [HOST] },
        injection_location: { header: true, body: false },
      },
    });
    const agent = await agentWithBash();
    const env = await createEnvironment(t.client, { config: { type: 'cloud', networking: limited, packages: { apt: ['agentd-hello'], npm: ['agentd-npmdemo'], pip: ['agentd-pipdemo'] } } });
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id, vault_ids: [vault.id] });
    const [ran] = await runTools(t, fake, session.id, [bash('agentd-hello')]);
    expect(ran).toEqual({ isError: false, text: expect.stringMatching(/^hello from the deb\n?$/) });
    const errors = (await t.client.beta.sessions.events.list(session.id)).data.filter((e) => e.type === 'session.error');
    expect(errors).toEqual([]);
  });

  it('a failed install ends the turn with session.error naming the manager and the package', async () => {
    const agent = await agentWithBash();
    const env = await createEnvironment(t.client, { config: { type: 'cloud', networking: limited, packages: { pip: ['agentd-nosuchpkg'] } } });
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    const before = fake.requests.length;
    const layers = () => (fs.existsSync(path.join(t.dataDir, 'packages')) ? fs.readdirSync(path.join(t.dataDir, 'packages')) : []);
    const layersBefore = layers();
    fake.enqueue({ content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo should-not-run' } }] });
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'go'), isTerminal, 180_000);

    const error = events.find((e) => e.type === 'session.error');
    expect(error?.type === 'session.error' && error.error).toMatchObject({ type: 'unknown_error', retry_status: { type: 'exhausted' } });
    const message = error?.type === 'session.error' ? error.error.message : '';
    expect(message).toMatch(/^the environment's packages could not be installed: pip failed to install agentd-nosuchpkg; installer output/);
    // The end of pip's own output says why.
    expect(message).toContain('No matching distribution found for agentd-nosuchpkg');
    const result = events.find((e) => e.type === 'agent.tool_result');
    expect(result?.type === 'agent.tool_result' && result.is_error).toBe(true);
    expect(result?.type === 'agent.tool_result' ? text(result as never) : '').toContain('did not run');
    expect(result?.type === 'agent.tool_result' ? text(result as never) : '').not.toContain('should-not-run');
    const idle = events.at(-1);
    expect(idle?.type === 'session.status_idle' && idle.stop_reason).toEqual({ type: 'retries_exhausted' });
    // The turn ended: the model was not called again after the failure.
    expect(fake.requests.length - before).toBe(1);
    expect(registry.hits.get('/simple/agentd-nosuchpkg/')).toBeGreaterThanOrEqual(1);
    const span = await traces.waitFor((x) => x.name === 'install_packages' && x.attributes['gen_ai.conversation.id'] === session.id, 30_000);
    expect(span.status.code).toBe(2);
    expect(span.attributes['error.type']).toBe('package_install_failed');
    // Nothing cached for the failed set, and no staging left behind.
    expect(layers()).toEqual(layersBefore);
    // Exhausted, not terminal: the next message starts a new turn (a reply without tools installs nothing).
    fake.enqueue({ content: [{ type: 'text', text: 'no tools this time' }] });
    const next = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'talk'), isTerminal, 60_000);
    expect(next.some((e) => e.type === 'session.error')).toBe(false);
    expect(next.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
  });

  // The sandbox sees the host's /usr: without RubyGems there, the gem manager cannot run.
  it.runIf(!fs.existsSync('/usr/bin/gem'))('a manager whose tool the host lacks fails the install, saying so', async () => {
    const agent = await agentWithBash();
    const env = await createEnvironment(t.client, { config: { type: 'cloud', networking: limited, packages: { gem: ['rake:13.1.0'] } } });
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    fake.enqueue({ content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo should-not-run' } }] });
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'go'), isTerminal, 180_000);
    const error = events.find((e) => e.type === 'session.error');
    const message = error?.type === 'session.error' ? error.error.message : '';
    expect(message).toMatch(/^the environment's packages could not be installed: gem failed to install rake:13\.1\.0; installer output/);
    expect(message).toContain('gem is not installed on the agentd host');
  });

  it("installs under the environment's networking: an unrestricted sandbox cannot reach the host's loopback registry", async () => {
    const agent = await agentWithBash();
    // unrestricted = slirp4netns, whose routes refuse the host's loopback (and the proxy exemption does not apply).
    const env = await createEnvironment(t.client, { config: { type: 'cloud', networking: { type: 'unrestricted' }, packages: { pip: ['agentd-pipdemo'] } } });
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    const hits = registry.hits.get('/simple/agentd-pipdemo/') ?? 0;
    fake.enqueue({ content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo should-not-run' } }] });
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'go'), isTerminal, 180_000);
    const error = events.find((e) => e.type === 'session.error');
    expect(error?.type === 'session.error' ? error.error.message : '').toMatch(/^the environment's packages could not be installed: pip failed to install agentd-pipdemo/);
    // pip ran, and its connections to the host's loopback were refused inside the sandbox.
    expect(error?.type === 'session.error' ? error.error.message : '').toContain('Failed to establish a new connection');
    expect(registry.hits.get('/simple/agentd-pipdemo/') ?? 0).toBe(hits);
  });

  it('an interrupt stops the wait for an install, not the install: the next turn uses its layer', async () => {
    const agent = await agentWithBash();
    const env = await createEnvironment(t.client, { config: { type: 'cloud', networking: limited, packages: { pip: ['agentd-pipdemo==1.0'] } } });
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    const index = () => registry.hits.get('/simple/agentd-pipdemo/') ?? 0;
    const wheels = registry.hits.get(`/files/${WHEEL}`) ?? 0;
    const gate = registry.hold();
    fake.enqueue({ content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo first' } }] });
    const stream = await t.client.beta.sessions.events.stream(session.id);
    const reader = new StreamReader(stream);
    try {
      await sendText(t.client, session.id, 'go');
      await gate.arrived; // pip is waiting for the index page
      const indexHits = index();
      await t.client.beta.sessions.events.send(session.id, { events: [{ type: 'user.interrupt' }] });
      const rest = await reader.until(isTerminal, 60_000);
      expect(rest.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
      expect(rest.some((e) => e.type === 'session.error')).toBe(false);
      gate.release();
      // The next turn's call waits for the same installation (no second one) and finds the module.
      const [ran] = await runTools(t, fake, session.id, [bash(`python3 -c 'import agentd_pipdemo; print(agentd_pipdemo.GREETING)'`)]);
      expect(ran).toEqual({ isError: false, text: expect.stringMatching(/^hello from the wheel\n?$/) });
      expect(index()).toBe(indexHits);
      expect(registry.hits.get(`/files/${WHEEL}`)).toBe(wheels + 1);
    } finally {
      gate.release();
      stream.controller.abort();
    }
  });

  it('agentd packages list shows the cached layers; clear deletes them', async () => {
    const listed = await runCli(['packages', 'list', '--data-dir', t.dataDir]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^[0-9a-f]{64} +\d+ KiB {2}\S+Z {2}apt: agentd-hello; npm: agentd-npmdemo; pip: agentd-pipdemo$/m);
    expect(listed.stdout).toMatch(/pip: agentd-pipdemo==1\.0$/m);
    expect(listed.stdout).toContain(`2 layers`);
    const key = /^([0-9a-f]{64}) .*agentd-pipdemo==1\.0$/m.exec(listed.stdout)![1]!;
    const one = await runCli(['packages', 'clear', key, '--data-dir', t.dataDir]);
    expect(one).toMatchObject({ code: 0, stdout: expect.stringMatching(/^deleted 1 layer /) });
    const missing = await runCli(['packages', 'clear', key, '--data-dir', t.dataDir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no layer ${key}`);
    const all = await runCli(['packages', 'clear', '--data-dir', t.dataDir]);
    expect(all).toMatchObject({ code: 0, stdout: expect.stringMatching(/^deleted 1 layer /) });
    expect((await runCli(['packages', 'list', '--data-dir', t.dataDir])).stdout).toMatch(/^0 layers, 0 KiB in /);
  });
});
