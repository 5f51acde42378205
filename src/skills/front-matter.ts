// SKILL.md's YAML front matter: `name` and `description`, with the limits the Agent Skills
// documentation sets (name: ≤64 lowercase letters, digits and hyphens, no reserved words;
// description: non-empty, ≤1024 characters; neither with XML tags).
import { createRequire } from 'node:module';
import { invalidRequest } from '../errors.js';

export const SKILL_NAME_MAX = 64;
export const SKILL_DESCRIPTION_MAX = 1024;
const RESERVED_WORDS = ['anthropic', 'claude'];
const XML_TAG = /<\/?[A-Za-z][^>]*>/;
const FRONT_MATTER = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

export interface SkillFrontMatter {
  name: string;
  description: string;
}

const fail = (message: string) => invalidRequest(`files: SKILL.md ${message}`);

/** Why `name` cannot be a skill's name, or undefined. */
export function skillNameProblem(name: string): string | undefined {
  if (name.length < 1 || name.length > SKILL_NAME_MAX) return `must be 1 to ${SKILL_NAME_MAX} characters`;
  if (!/^[a-z0-9-]+$/.test(name)) return 'may contain only lowercase letters, digits and hyphens';
  const reserved = RESERVED_WORDS.find((w) => name.includes(w));
  if (reserved) return `cannot contain the reserved word "${reserved}"`;
  return undefined;
}

/** Reads and checks the front matter; a missing `name` falls back to the skill's directory name. */
export function readFrontMatter(bytes: Buffer, directory: string): SkillFrontMatter {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fail('is not valid UTF-8 text');
  }
  const block = FRONT_MATTER.exec(text);
  if (!block) throw fail('must start with YAML front matter between "---" lines, with at least a description');
  let data: unknown;
  try {
    data = yamlParse()(block[1]!);
  } catch (err) {
    throw fail(`front matter is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw fail('front matter must be a YAML mapping (key: value lines)');
  const fields = data as Record<string, unknown>;

  const rawName = fields.name ?? directory;
  if (typeof rawName !== 'string') throw fail('name must be a string');
  const name = rawName.trim();
  const nameProblem = XML_TAG.test(name) ? 'cannot contain XML tags' : skillNameProblem(name);
  if (nameProblem) throw fail(`name ${JSON.stringify(name)} ${nameProblem}${fields.name === undefined ? ' (it comes from the directory name; set name in the front matter)' : ''}`);

  if (fields.description === undefined) throw fail('front matter needs a description: what the skill does and when to use it');
  if (typeof fields.description !== 'string') throw fail('description must be a string');
  const description = fields.description.trim();
  if (description === '') throw fail('description cannot be empty');
  if (description.length > SKILL_DESCRIPTION_MAX) throw fail(`description is ${description.length} characters; at most ${SKILL_DESCRIPTION_MAX} are allowed`);
  if (XML_TAG.test(description)) throw fail('description cannot contain XML tags');
  return { name, description };
}

/** yaml is required at the first skill read (synchronously; it ships CommonJS), not at start-up. */
const yamlParse = (): typeof import('yaml').parse => (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse;
