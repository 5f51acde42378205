// What the system prompt tells the agent about its mounts: each memory store (path, name,
// description, instructions, access) and each skill (name and description only: the agent reads
// SKILL.md itself when a task calls for it). Pure, so the prompt prefix stays byte-stable for
// prompt caching across a session's turns.
import type { MemoryStoreResource } from '../api/memory-wire.js';
import { MEMORY_CONTENT_MAX_BYTES } from './memory-path.js';

export interface SkillNote {
  name: string;
  description: string;
  /** Where its SKILL.md is, as the agent's tools address it. */
  skillMd: string;
}

const quoted = (s: string) => JSON.stringify(s);

export function memoryNote(stores: readonly MemoryStoreResource[]): string | undefined {
  if (stores.length === 0) return undefined;
  const lines = stores.map((s) => {
    const access = s.access === 'read_only' ? 'read-only' : 'read-write';
    const about = s.description ? ` — ${s.description}` : '';
    const head = `- ${s.mount_path} (${access}): ${quoted(s.name ?? s.memory_store_id)}${about}`;
    return s.instructions ? `${head}\n  Instructions: ${s.instructions}` : head;
  });
  return [
    '# Memory',
    '',
    'Memory stores are directories that persist across sessions. Use your file tools (read, write, edit, glob, grep, bash) on them like any other files: check the relevant store before you start a task, and save what will help in later sessions as small, focused text files there (at most ' +
      `${MEMORY_CONTENT_MAX_BYTES / 1024} kB each). Changes under a read-write store are saved when each tool call ends; read-only stores cannot be changed.`,
    '',
    ...lines,
  ].join('\n');
}

export function skillsNote(skills: readonly SkillNote[]): string | undefined {
  if (skills.length === 0) return undefined;
  return [
    '# Skills',
    '',
    'Skills are folders of instructions, scripts and resources for particular tasks; only their names and descriptions are listed here. When a task matches a skill, first read its SKILL.md with your read tool and follow it; open the skill\'s other files only when SKILL.md points you to them.',
    '',
    ...skills.map((s) => `- ${s.name}: ${s.description} (${s.skillMd})`),
  ].join('\n');
}
