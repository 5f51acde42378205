// The pure parts of environment packages: the set's cache key, the installer script's quoting and
// per-manager commands, and the registry hosts read from the operator's settings. No sandbox here
// (environment-packages.test.ts runs real installs).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { installScript, shellQuote } from '../../src/sandbox/packages/install-script.js';
import { packageSetKey, packageSetOf, type PackageSet } from '../../src/sandbox/packages/package-set.js';
import { aptSourceHosts } from '../../src/sandbox/packages/registry-hosts.js';
import type { EnvironmentRecord } from '../../src/store/types.js';

const empty: PackageSet = { apt: [], cargo: [], gem: [], go: [], npm: [], pip: [] };
const envWith = (packages: Partial<PackageSet>) =>
  ({ config: { type: 'cloud', networking: { type: 'unrestricted' }, packages: { type: 'packages', ...empty, ...packages } } }) as unknown as EnvironmentRecord;

describe('environment package sets', () => {
  it('one key per set: order and duplicates do not matter, contents do', () => {
    const a = packageSetOf(envWith({ apt: ['jq', 'curl'], pip: ['requests==2.31.0'] }))!;
    const b = packageSetOf(envWith({ pip: ['requests==2.31.0'], apt: ['curl', 'jq', 'jq'] }))!;
    expect(packageSetKey(a)).toBe(packageSetKey(b));
    expect(packageSetKey(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(packageSetKey(packageSetOf(envWith({ apt: ['jq', 'curl'], pip: ['requests==2.32.0'] }))!)).not.toBe(packageSetKey(a));
    // The same name under another manager is another set.
    expect(packageSetKey(packageSetOf(envWith({ npm: ['jq'] }))!)).not.toBe(packageSetKey(packageSetOf(envWith({ apt: ['jq'] }))!));
    expect(packageSetOf(envWith({}))).toBeUndefined();
    expect(packageSetOf({ config: { type: 'self_hosted' } } as unknown as EnvironmentRecord)).toBeUndefined();
  });

  it('quotes for bash so that nothing inside is expanded', () => {
    for (const s of [`it's`, '$(id)', '`id`', 'a b', "'", '"\\', 'x;y|z&&w']) {
      expect(execFileSync('bash', ['-c', `printf %s ${shellQuote(s)}`]).toString()).toBe(s);
    }
  });

  it('the script runs only the managers asked for, with pins as given and the operator registries', () => {
    const script = installScript(
      { ...empty, pip: ['requests==2.31.0'], go: ['golang.org/x/tools/cmd/stringer', 'example.com/cmd/x@v1.2.0'], npm: ['@scope/pkg@1.2.3'] },
      { pipIndexUrl: 'http://mirror.internal:8080/simple/', npmRegistry: 'http://npm.internal/' },
    );
    expect(script).toContain(`--target /opt/packages/pip --index-url 'http://mirror.internal:8080/simple/' --trusted-host 'mirror.internal:8080' 'requests==2.31.0'`);
    expect(script).toContain(`--registry 'http://npm.internal/' '@scope/pkg@1.2.3'`);
    expect(script).toContain(`go install 'golang.org/x/tools/cmd/stringer@latest'`);
    expect(script).toContain(`go install 'example.com/cmd/x@v1.2.0'`);
    expect(script).not.toContain('apt-get');
    expect(script).not.toContain('cargo');
    expect(script).not.toContain('gem install');
    expect(script.trimEnd().split('\n').at(-1)).toBe('echo ok > /workspace/done');
    // Valid bash.
    execFileSync('bash', ['-n', '-c', script]);
  });

  it('reads registry hosts from one-line and deb822 apt sources', () => {
    const text = [
      '# comment',
      'deb [trusted=yes] http://127.0.0.3:8080/apt/ ./',
      'deb-src http://deb.example.org/debian bookworm main',
      'Types: deb',
      'URIs: http://mirror-a.example/debian https://mirror-b.example/debian',
      'Suites: bookworm',
      'deb cdrom:[Debian]/ bookworm main',
    ].join('\n');
    expect(aptSourceHosts(text)).toEqual(['127.0.0.3', 'deb.example.org', 'mirror-a.example', 'mirror-b.example']);
  });
});
