// The /etc a sandbox sees: the allowed host entries and agentd's own passwd/group/hosts, bound as one
// read-only copy (etc-view.ts) that follows the host when an entry changes; a session with a
// resource mounted inside /etc gets one bind per entry instead. (Needs bwrap.)
import fs from 'node:fs';
import path from 'node:path';
import { toFile } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { EtcView, type EtcLayout } from '../../src/sandbox/bubblewrap/etc-view.js';
import { ETC_ENTRIES } from '../../src/sandbox/bubblewrap/bwrap-args.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { bash, runTools, toolSession } from '../helpers/sandbox.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

/** What `ls -A /etc` shows in a sandbox: the top-level names of the allowed entries this host has, and the generated files. */
function expectedEtc(generated: string[]): string[] {
  const present = ETC_ENTRIES.filter((e) => fs.existsSync(path.join('/etc', e)) || fs.lstatSync(path.join('/etc', e), { throwIfNoEntry: false }));
  return [...new Set([...present.map((e) => e.split('/')[0]!), ...generated])].sort();
}

describe('the /etc view in a sandbox', { timeout: 180_000 }, () => {
  const fake = useFakeAnthropic();
  const t = useServer('sqlite', () => ({ model: fake }));

  it('shows the allowed entries and the generated files, read-only, and nothing else of the host', async () => {
    const session = await toolSession(t.client);
    const [ls, shadow, passwd, touch, resolv, certs] = await runTools(t, fake, session.id, [
      bash('ls -A /etc'),
      bash('test -e /etc/shadow && echo present || echo absent'),
      bash('cat /etc/passwd'),
      bash('touch /etc/agentd-test'),
      bash('cat /etc/resolv.conf'),
      bash('ls /etc/ssl/certs | wc -l'),
    ]);
    expect(ls!.text.split('\n').filter(Boolean).sort()).toEqual(expectedEtc(['group', 'hosts', 'passwd', 'resolv.conf']));
    expect(shadow!.text).toBe('absent');
    expect(passwd!.text).toMatch(/^agent:x:\d+:\d+:agent:\/workspace:\/bin\/bash$/m);
    expect(passwd!.text).not.toMatch(/^postgres:/m); // host accounts stay on the host
    expect(touch!.isError).toBe(true);
    expect(touch!.text).toContain('Read-only file system');
    // The default environment is unrestricted: its resolver is slirp4netns's, bound over the view's placeholder.
    expect(resolv!.text).toBe('nameserver 10.0.2.3');
    if (fs.existsSync('/etc/ssl/certs')) expect(Number(certs!.text)).toBe(fs.readdirSync('/etc/ssl/certs').length);
  });

  it('a limited sandbox has an empty resolv.conf (no resolver of its own)', async () => {
    const session = await toolSession(t.client, { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['example.com'] } });
    const [resolv] = await runTools(t, fake, session.id, [bash('wc -c < /etc/resolv.conf')]);
    expect(resolv).toEqual({ isError: false, text: '0' });
  });

  it('a resource mounted inside /etc is there, beside the same entries', async () => {
    const upload = await t.client.beta.files.upload({ file: await toFile(Buffer.from('setting = 1\n'), 'app.conf') });
    const agent = await createAgent(t.client, { tools: [{ type: 'agent_toolset_20260401' }] });
    const env = await createEnvironment(t.client);
    const session = await t.client.beta.sessions.create({
      agent: agent.id,
      environment_id: env.id,
      resources: [{ type: 'file', file_id: upload.id, mount_path: '/etc/app/app.conf' }],
    });
    const [conf, ls, shadow] = await runTools(t, fake, session.id, [
      bash('cat /etc/app/app.conf'),
      bash('ls -A /etc'),
      bash('test -e /etc/shadow && echo present || echo absent'),
    ]);
    expect(conf).toEqual({ isError: false, text: 'setting = 1' });
    expect(ls!.text.split('\n').filter(Boolean).sort()).toEqual(expectedEtc(['app', 'group', 'hosts', 'passwd', 'resolv.conf']));
    expect(shadow!.text).toBe('absent');
  });
});

describe('EtcView', () => {
  const tmp = useTempDirs('agentd-etc-view-');

  it('copies the files it finds (following symlinks, as a bind would), leaves directories to their own binds, and is rebuilt only when a file changes', () => {
    const host = tmp();
    const root = tmp();
    fs.writeFileSync(path.join(host, 'zone-file'), 'Etc/UTC\n', { mode: 0o640 });
    fs.symlinkSync('zone-file', path.join(host, 'timezone'));
    fs.mkdirSync(path.join(host, 'ssl/certs'), { recursive: true });
    fs.writeFileSync(path.join(host, 'ssl/certs/bundle.crt'), 'CERT\n');
    fs.writeFileSync(path.join(host, 'ssl/private.key'), 'never copied');
    fs.writeFileSync(path.join(host, 'hostname'), 'host\n');
    const passwd = path.join(root, 'passwd-source');
    fs.writeFileSync(passwd, 'agent:x:1:1::/workspace:/bin/bash\n', { mode: 0o600 });
    let now = 0;
    const view = new EtcView(root, ['timezone', 'ssl/certs', 'hostname', 'missing'], { passwd }, ['resolv.conf'], () => now, host);

    const first = view.layout();
    expect(first.directories).toEqual(['ssl/certs']);
    const file = (layout: EtcLayout, name: string) => fs.readFileSync(path.join(layout.dir, name), 'utf8');
    expect(fs.lstatSync(path.join(first.dir, 'timezone')).isFile()).toBe(true); // the symlink's target, copied
    expect(file(first, 'timezone')).toBe('Etc/UTC\n');
    expect(fs.statSync(path.join(first.dir, 'timezone')).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(path.join(first.dir, 'ssl/certs'))).toEqual([]); // a mount point: the host's is bound there
    expect(fs.existsSync(path.join(first.dir, 'ssl/private.key'))).toBe(false);
    expect(fs.existsSync(path.join(first.dir, 'missing'))).toBe(false);
    expect(file(first, 'passwd')).toContain('agent:x:1:1');
    expect(fs.statSync(path.join(first.dir, 'passwd')).mode & 0o777).toBe(0o644);
    expect(fs.statSync(path.join(first.dir, 'ssl')).mode & 0o777).toBe(0o755);

    fs.writeFileSync(path.join(host, 'ssl/certs/added.crt'), 'NEW\n'); // inside a bound directory: nothing to copy
    now += 5_000;
    expect(view.layout()).toBe(first);

    fs.rmSync(path.join(host, 'hostname'));
    fs.writeFileSync(path.join(host, 'hostname'), 'renamed\n'); // replaced, as package updates do
    expect(view.layout()).toBe(first); // looked at again only after a second
    now += 1_000;
    const second = view.layout();
    expect(second.dir).not.toBe(first.dir);
    expect(file(second, 'hostname')).toBe('renamed\n');
    expect(file(first, 'hostname')).toBe('host\n'); // running sandboxes keep theirs

    fs.writeFileSync(path.join(host, 'zone-file'), 'Europe/Paris\n'); // a symlinked file edited in place
    now += 1_000;
    expect(file(view.layout(), 'timezone')).toBe('Europe/Paris\n');

    fs.rmSync(path.join(host, 'ssl/certs'), { recursive: true }); // a directory gone: no mount point, no bind
    now += 1_000;
    expect(view.layout().directories).toEqual([]);
  });

  it('a copy that fails throws, and is tried again at the next look', () => {
    const host = tmp();
    const root = tmp();
    fs.writeFileSync(path.join(host, 'timezone'), 'Etc/UTC\n');
    let now = 0;
    const view = new EtcView(path.join(root, 'not-there'), ['timezone'], {}, [], () => now, host);
    expect(() => view.layout()).toThrow(/ENOENT/);
    fs.mkdirSync(path.join(root, 'not-there'));
    now += 1_000;
    expect(fs.readFileSync(path.join(view.layout().dir, 'timezone'), 'utf8')).toBe('Etc/UTC\n');
  });
});
