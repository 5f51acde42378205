// Reads the YAML of `agentd apply -f <file|dir>`: every .yaml/.yml file (a directory's, sorted by
// path, recursively), every document in each (`---` separated). A document is `kind:` plus the
// fields the SDK's create takes; a skill is `kind: skill` with `directory:` (relative to its file).
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { kindSpec, KINDS, type Kind } from './kinds.js';

export interface ApplyDocument {
  kind: Kind;
  name: string;
  /** The fields for create/update (without `kind`; a skill's: its directory's files instead). */
  body: Record<string, unknown>;
  /** `file.yaml#2`: where it came from, for messages. */
  source: string;
  /** A skill's folder, resolved. */
  directory?: string;
}

export class ApplyInputError extends Error {
  override name = 'ApplyInputError';
}

function yamlFiles(target: string): string[] {
  let stat;
  try {
    stat = fs.statSync(target);
  } catch {
    throw new ApplyInputError(`${target}: no such file or directory`);
  }
  if (stat.isFile()) return [target];
  return fs
    .readdirSync(target, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** The name a skill folder's SKILL.md gives (its front matter `name`), else the folder's name. */
function skillName(dir: string, source: string): string {
  let text;
  try {
    text = fs.readFileSync(path.join(dir, 'SKILL.md'), 'utf8');
  } catch {
    throw new ApplyInputError(`${source}: ${dir} has no SKILL.md`);
  }
  const front = /^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? '';
  return /^name:\s*(.+?)\s*$/m.exec(front)?.[1]?.replace(/^["']|["']$/g, '') ?? path.basename(dir);
}

export function readDocuments(targets: readonly string[]): ApplyDocument[] {
  const docs: ApplyDocument[] = [];
  for (const file of targets.flatMap(yamlFiles)) {
    parseAllDocuments(fs.readFileSync(file, 'utf8')).forEach((d, i) => {
      const source = `${file}#${i + 1}`;
      if (d.errors.length > 0) throw new ApplyInputError(`${source}: ${d.errors[0]!.message}`);
      const value = d.toJS() as unknown;
      if (value === null || value === undefined) return; // an empty document (a trailing ---)
      if (typeof value !== 'object' || Array.isArray(value)) throw new ApplyInputError(`${source}: a document must be a mapping with a kind`);
      const { kind, ...body } = value as Record<string, unknown>;
      const spec = kindSpec(String(kind));
      if (!spec) throw new ApplyInputError(`${source}: kind must be one of ${KINDS.map((k) => k.kind).join(', ')}, not ${JSON.stringify(kind)}`);
      if (spec.kind === 'skill') {
        if (typeof body.directory !== 'string') throw new ApplyInputError(`${source}: a skill names its folder with directory:`);
        const directory = path.resolve(path.dirname(file), body.directory);
        docs.push({ kind: 'skill', name: skillName(directory, source), body: {}, source, directory });
        return;
      }
      const name = body[spec.nameField];
      if (typeof name !== 'string' || name === '') throw new ApplyInputError(`${source}: ${spec.kind} needs ${spec.nameField} (its key)`);
      docs.push({ kind: spec.kind, name, body, source });
    });
  }
  const seen = new Map<string, string>();
  for (const d of docs) {
    const key = `${d.kind}/${d.name}`;
    if (seen.has(key)) throw new ApplyInputError(`${d.source}: ${d.kind} "${d.name}" is also defined in ${seen.get(key)}`);
    seen.set(key, d.source);
  }
  return docs;
}
