// The system prompt's notes about memory mounts and skills.
import { describe, expect, it } from 'vitest';
import { memoryNote, skillsNote } from '../../src/domain/mount-notes.js';

describe('mount notes', () => {
  it('describes each memory store: path, access, name, description and instructions', () => {
    const note = memoryNote([
      {
        type: 'memory_store',
        memory_store_id: 'memstore_1',
        mount_path: '/mnt/memory/user-preferences',
        name: 'User Preferences',
        description: 'What the user likes.',
        access: 'read_write',
        instructions: 'Check before every task.',
      },
      { type: 'memory_store', memory_store_id: 'memstore_2', mount_path: '/mnt/memory/reference', name: 'Reference', description: '', access: 'read_only', instructions: null },
    ])!;
    expect(note).toMatch(/^# Memory\n/);
    expect(note).toContain('- /mnt/memory/user-preferences (read-write): "User Preferences" — What the user likes.\n  Instructions: Check before every task.');
    expect(note).toContain('- /mnt/memory/reference (read-only): "Reference"');
    expect(note).toContain('100 kB');
    expect(memoryNote([])).toBeUndefined();
  });

  it('lists skills by name and description only, with where SKILL.md is', () => {
    const note = skillsNote([{ name: 'pdf-tools', description: 'Fill PDF forms.', skillMd: '/workspace/skills/pdf-tools/SKILL.md' }])!;
    expect(note).toMatch(/^# Skills\n/);
    expect(note).toContain('- pdf-tools: Fill PDF forms. (/workspace/skills/pdf-tools/SKILL.md)');
    expect(skillsNote([])).toBeUndefined();
  });
});
