// Unpacks a stored skill version into `<session>/skills/<name>/` (mounted read-only at
// /workspace/skills): staged beside it and moved into place whole.
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { readSkillZip } from '../../skills/skill-zip.js';
import { SKILL_MAX_FILES } from '../../skills/skill-bundle.js';

/** Stored zips were checked on upload; this bounds what unpacking one may write all the same. */
const UNPACK_LIMITS = { maxBytes: 1024 * 1024 * 1024, maxFiles: SKILL_MAX_FILES };

export async function placeSkill(skillsDir: string, name: string, zip: Buffer): Promise<boolean> {
  const dest = path.join(skillsDir, name);
  if (path.dirname(dest) !== skillsDir) throw new Error(`invalid skill name ${JSON.stringify(name)}`);
  if (await fsp.lstat(dest).then(() => true, () => false)) return false;
  await fsp.mkdir(skillsDir, { recursive: true });
  const staging = path.join(skillsDir, `.${name}.${randomBytes(6).toString('hex')}.staging`);
  try {
    for (const file of await readSkillZip(zip, UNPACK_LIMITS)) {
      const rel = file.path.startsWith(`${name}/`) ? file.path.slice(name.length + 1) : file.path;
      const target = path.join(staging, ...rel.split('/'));
      if (!target.startsWith(staging + path.sep)) throw new Error(`skill ${name}: entry ${file.path} leaves its directory`);
      await fsp.mkdir(path.dirname(target), { recursive: true });
      await fsp.writeFile(target, file.bytes, { flag: 'wx', mode: file.executable ? 0o755 : 0o644 });
    }
    await fsp.rename(staging, dest);
    return true;
  } finally {
    await fsp.rm(staging, { recursive: true, force: true });
  }
}
