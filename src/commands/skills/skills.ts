// Skill use cases: upload a skill (a folder's files or a zip of it) as a new skill or a new
// version, read and delete skills and versions. Each version is stored as one normalised zip in
// the blob store, written before its row so a listed version always has its files.
import { Readable } from 'node:stream';
import { newId } from '../../api/ids.js';
import { invalidRequest, notFound, conflict } from '../../errors.js';
import { checkSkillBundle, type SkillBundle, type SkillBundleLimits, type UploadedFile } from '../../skills/skill-bundle.js';
import { looksLikeZip, readSkillZip, writeSkillZip } from '../../skills/skill-zip.js';
import { UniqueViolationError } from '../../store/errors.js';
import type { SkillRecord, SkillVersionRecord } from '../../store/skill-types.js';
import type { Store } from '../../store/types.js';
import type { CommandContext } from '../context.js';

export const SKILL_DISPLAY_NAME_MAX = 255;
/** The version alias that resolves to a skill's newest version. */
export const LATEST = 'latest';

export const skillBlobKey = (skillId: string, versionId: string) => `${skillId}-${versionId}`;

export async function getSkill(store: Store, workspaceId: string, id: string): Promise<SkillRecord> {
  const skill = await store.skills.get(workspaceId, id);
  if (!skill) throw notFound(`skill ${id} not found`);
  return skill;
}

/** A version by id, or the newest with `latest`. */
export async function getSkillVersion(store: Store, workspaceId: string, skillId: string, version: string): Promise<SkillVersionRecord> {
  const skill = await getSkill(store, workspaceId, skillId);
  const id = version === LATEST ? skill.latestVersionId : version;
  const found = await store.skills.getVersion(skill.id, id);
  if (!found) throw notFound(`skill ${skillId} has no version ${version}`);
  return found;
}

/** The uploaded files as a checked bundle: one part that is a zip is unpacked first. */
async function bundleOf(files: readonly UploadedFile[], limits: SkillBundleLimits): Promise<SkillBundle> {
  const only = files.length === 1 ? files[0]! : undefined;
  const unpacked = only && looksLikeZip(only.bytes) ? await readSkillZip(only.bytes, limits) : files;
  return checkSkillBundle(unpacked, limits);
}

function checkDisplayName(name: string): string {
  if (name.length < 1 || name.length > SKILL_DISPLAY_NAME_MAX) {
    throw invalidRequest(`display_name: must be 1 to ${SKILL_DISPLAY_NAME_MAX} characters`);
  }
  if (/[\r\n]/.test(name)) throw invalidRequest('display_name: must be a single line');
  return name;
}

/** Microseconds since the epoch, after `previous`: unique per skill, and sorting by age. */
function nextVersionId(now: string, previous?: string): string {
  const candidate = BigInt(Date.parse(now)) * 1000n;
  const after = previous === undefined ? 0n : BigInt(previous) + 1n;
  return String(candidate > after ? candidate : after);
}

/** Writes the version's zip, then runs `record`; the zip is removed again if recording fails. */
async function storeVersion(ctx: CommandContext, version: SkillVersionRecord, bundle: SkillBundle, record: () => Promise<void>): Promise<void> {
  const zip = await writeSkillZip(bundle.name, bundle.files, new Date(version.createdAt));
  const key = skillBlobKey(version.skillId, version.id);
  await ctx.blobs.write(key, Readable.from([zip]), zip.length);
  try {
    await record();
  } catch (err) {
    await ctx.blobs.remove(key);
    throw err;
  }
}

function versionRecord(skillId: string, id: string, bundle: SkillBundle, at: string): SkillVersionRecord {
  return {
    skillId,
    id,
    name: bundle.name,
    description: bundle.description,
    files: bundle.files.map((f) => ({ path: f.path, sizeBytes: f.bytes.length, executable: f.executable })),
    sizeBytes: bundle.sizeBytes,
    createdAt: at,
  };
}

export async function createSkill(
  ctx: CommandContext,
  workspaceId: string,
  input: { files: UploadedFile[]; displayName?: string | undefined },
  limits: SkillBundleLimits,
): Promise<SkillRecord> {
  const bundle = await bundleOf(input.files, limits);
  const displayName = checkDisplayName(input.displayName ?? bundle.name);
  const now = ctx.now();
  const id = newId('skill');
  const version = versionRecord(id, nextVersionId(now), bundle, now);
  const skill: SkillRecord = { id, workspaceId, displayName, name: bundle.name, latestVersionId: version.id, createdAt: now, updatedAt: now };
  await storeVersion(ctx, version, bundle, () => ctx.store.transaction((tx) => tx.skills.insert(skill, version)));
  return skill;
}

export async function createSkillVersion(
  ctx: CommandContext,
  workspaceId: string,
  skillId: string,
  files: UploadedFile[],
  limits: SkillBundleLimits,
): Promise<SkillVersionRecord> {
  const skill = await getSkill(ctx.store, workspaceId, skillId);
  const bundle = await bundleOf(files, limits);
  if (bundle.name !== skill.name) {
    throw invalidRequest(`files: SKILL.md names the skill "${bundle.name}", but skill ${skillId} is "${skill.name}"; a skill's name never changes`);
  }
  // Two uploads in the same microsecond race for one id: the loser takes the next one.
  for (let attempt = 0; ; attempt++) {
    const latest = (await ctx.store.skills.get(workspaceId, skillId))?.latestVersionId;
    if (latest === undefined) throw notFound(`skill ${skillId} not found`);
    const now = ctx.now();
    const version = versionRecord(skillId, nextVersionId(now, latest), bundle, now);
    try {
      await storeVersion(ctx, version, bundle, () => ctx.store.transaction((tx) => tx.skills.addVersion(version, now)));
      return version;
    } catch (err) {
      if (!(err instanceof UniqueViolationError) || attempt >= 5) throw err;
    }
  }
}

/** Deletes the skill with all its versions and their files. */
export async function deleteSkill(ctx: CommandContext, workspaceId: string, id: string): Promise<void> {
  await getSkill(ctx.store, workspaceId, id);
  const versions = await ctx.store.transaction((tx) => tx.skills.delete(id));
  await Promise.all(versions.map((v) => ctx.blobs.remove(skillBlobKey(id, v.id))));
}

/** Deletes one version; a skill always keeps at least one (delete the skill instead). */
export async function deleteSkillVersion(ctx: CommandContext, workspaceId: string, skillId: string, version: string): Promise<SkillVersionRecord> {
  const target = await getSkillVersion(ctx.store, workspaceId, skillId, version);
  const deleted = await ctx.store.transaction((tx) => tx.skills.deleteVersion(skillId, target.id, ctx.now()));
  if (!deleted) {
    throw conflict(`version ${target.id} is the only version of skill ${skillId}; a skill keeps at least one version, so delete the skill instead`);
  }
  await ctx.blobs.remove(skillBlobKey(skillId, target.id));
  return target;
}
