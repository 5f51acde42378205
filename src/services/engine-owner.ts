// A stable engine identity per data dir: after a restart the process reclaims its own leases
// immediately instead of waiting for them to lapse.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export function engineOwnerId(dataDir: string): string {
  const file = path.join(dataDir, 'engine-id');
  try {
    const id = fs.readFileSync(file, 'utf8').trim();
    if (id) return id;
  } catch {
    // first start: create it below
  }
  const id = `engine_${randomBytes(8).toString('hex')}`;
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, id + '\n');
  return id;
}
