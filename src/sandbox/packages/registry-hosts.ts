// The registry hosts the operator's package settings name, which `allow_package_managers` lets
// through the egress proxy besides the well-known public registries.
import fs from 'node:fs';

/** Host names of the URIs in an apt sources file (one-line `deb [options] uri suite …` or deb822 `URIs:`). */
export function aptSourceHosts(text: string): string[] {
  const hosts: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const uris = /^deb(?:-src)?\s+(?:\[[^\]]*\]\s+)?(\S+)/.exec(line)?.[1] ?? /^URIs:\s*(.+)$/i.exec(line)?.[1];
    for (const uri of uris?.split(/\s+/) ?? []) {
      try {
        const host = new URL(uri).hostname;
        if (host) hosts.push(host);
      } catch {
        // not a URL (cdrom:, a typo): names no host
      }
    }
  }
  return hosts;
}

export interface PackageSettings {
  aptSources?: string | undefined;
  pipIndexUrl?: string | undefined;
  npmRegistry?: string | undefined;
}

/** Every host the settings point the installers at (the apt sources file is read now). */
export function operatorRegistryHosts(settings: PackageSettings): string[] {
  const hosts = [settings.pipIndexUrl, settings.npmRegistry].flatMap((u) => (u ? [new URL(u).hostname] : []));
  if (settings.aptSources) hosts.push(...aptSourceHosts(fs.readFileSync(settings.aptSources, 'utf8')));
  return [...new Set(hosts.map((h) => h.replace(/^\[(.*)\]$/, '$1')))];
}
