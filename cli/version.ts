// agentd's version, from the package.json this CLI was installed with (found upwards from this file,
// so it works from dist/ and from the sources alike).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function agentdVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'agentd' && pkg.version) return pkg.version;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}
