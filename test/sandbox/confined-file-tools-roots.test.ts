// Roots as the sandbox mounts them: nested roots (a path in /workspace/skills is the skills root's,
// and walks from /workspace descend into its host directory, not the mount-point directory),
// read-only roots, file roots, and ownership of what the tools create.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfinedFileTools } from '../../src/sandbox/confined/confined-file-tools.js';
import { OUT, WS, confinedCaller, text, tmpDir } from './confined/tree.js';

const OWNER = { uid: 2_000_000_000, gid: 2_000_000_000 };
const RO = (p: string, root: string) => `${p} is inside read-only directory ${root}`;

describe('confined file tools: roots', () => {
  let base: string;
  let ws: string;
  let skills: string;
  let notes: string;
  let tools: ConfinedFileTools;
  const signal = new AbortController().signal;
  const run = confinedCaller(() => tools);

  beforeAll(() => {
    base = tmpDir();
    ws = path.join(base, 'ws');
    skills = path.join(base, 'skills');
    notes = path.join(base, 'notes');
    fs.mkdirSync(path.join(ws, 'skills'), { recursive: true });
    // what the mount hides: the tools must never see it
    fs.writeFileSync(path.join(ws, 'skills', 'decoy.md'), 'decoy skill-text\n');
    fs.mkdirSync(path.join(skills, 'pdf'), { recursive: true });
    fs.writeFileSync(path.join(skills, 'pdf', 'SKILL.md'), 'real skill-text\n');
    fs.mkdirSync(path.join(base, 'out'));
    fs.mkdirSync(notes);
    fs.writeFileSync(path.join(base, 'data.csv'), 'a,b\n1,2\n');
    fs.writeFileSync(path.join(base, 'in.txt'), 'input\n');
    fs.symlinkSync('skills/pdf/SKILL.md', path.join(ws, 'to-skill'));
    fs.symlinkSync('/mnt/memory/notes', path.join(ws, 'to-notes'));
    tools = new ConfinedFileTools({
      workdir: WS,
      roots: [
        { sandboxPath: WS, hostPath: ws, readOnly: false },
        { sandboxPath: OUT, hostPath: path.join(base, 'out'), readOnly: false },
        { sandboxPath: `${WS}/skills`, hostPath: skills, readOnly: true },
        { sandboxPath: '/mnt/memory/notes', hostPath: notes, readOnly: false },
        { sandboxPath: `${WS}/data.csv`, hostPath: path.join(base, 'data.csv'), readOnly: true },
        { sandboxPath: '/mnt/session/in.txt', hostPath: path.join(base, 'in.txt'), readOnly: false },
      ],
      owner: OWNER,
    });
  });
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it('a path inside a nested root is that root\'s, whatever the mount-point directory holds', async () => {
    expect(await run('read', { file_path: 'skills/pdf/SKILL.md' })).toEqual({ isError: false, text: 'real skill-text\n' });
    expect(await run('read', { file_path: `${WS}/skills/pdf/../pdf/SKILL.md` })).toEqual({ isError: false, text: 'real skill-text\n' });
    expect(await run('read', { file_path: 'to-skill' })).toEqual({ isError: false, text: 'real skill-text\n' });
    expect(await run('read', { file_path: 'skills/decoy.md' })).toEqual({ isError: true, text: 'read: skills/decoy.md: no such file or directory' });
    expect(await run('read', { file_path: 'skills/../skills/pdf/SKILL.md' })).toEqual({ isError: false, text: 'real skill-text\n' });
  });

  it('grep and glob from /workspace descend into the nested root through its host directory', async () => {
    expect(await run('grep', { pattern: 'skill-text' })).toEqual({ isError: false, text: `${WS}/skills/pdf/SKILL.md:1:real skill-text` });
    expect(await run('glob', { pattern: '**/*.md' })).toEqual({ isError: false, text: `${WS}/skills/pdf/SKILL.md` });
    expect(await run('glob', { pattern: '*.csv' })).toEqual({ isError: false, text: `${WS}/data.csv` });
    expect(await run('grep', { pattern: '1,2' })).toEqual({ isError: false, text: `${WS}/data.csv:2:1,2` });
    expect(await run('glob', { pattern: '**', path: 'skills' })).toEqual({ isError: false, text: `${WS}/skills/pdf/SKILL.md` });
  });

  it('writes into a read-only root are refused and leave nothing behind', async () => {
    expect(await run('write', { file_path: 'skills/new.md', content: 'x' })).toEqual({ isError: true, text: `write: ${RO('skills/new.md', `${WS}/skills`)}` });
    expect(await run('write', { file_path: 'skills/sub/dir/new.md', content: 'x' })).toEqual({
      isError: true,
      text: `write: ${RO('skills/sub/dir/new.md', `${WS}/skills`)}`,
    });
    expect(await run('edit', { file_path: 'to-skill', old_string: 'real', new_string: 'fake' })).toEqual({ isError: true, text: `edit: ${RO('to-skill', `${WS}/skills`)}` });
    expect(await run('write', { file_path: 'data.csv', content: 'x' })).toEqual({ isError: true, text: `write: ${RO('data.csv', `${WS}/data.csv`)}` });
    expect(fs.readdirSync(skills)).toEqual(['pdf']);
    expect(fs.readFileSync(path.join(skills, 'pdf', 'SKILL.md'), 'utf8')).toBe('real skill-text\n');
    expect(fs.readFileSync(path.join(base, 'data.csv'), 'utf8')).toBe('a,b\n1,2\n');
  });

  it('a file root reads, and is rewritten in place when writable', async () => {
    expect(await run('read', { file_path: 'data.csv', view_range: [2, 2] })).toEqual({ isError: false, text: '1,2' });
    const inode = fs.statSync(path.join(base, 'in.txt')).ino;
    expect(await run('edit', { file_path: '/mnt/session/in.txt', old_string: 'input', new_string: 'edited' })).toEqual({
      isError: false,
      text: 'edited /mnt/session/in.txt (1 replacement(s))',
    });
    expect(fs.readFileSync(path.join(base, 'in.txt'), 'utf8')).toBe('edited\n');
    expect(fs.statSync(path.join(base, 'in.txt')).ino).toBe(inode);
    expect((await run('read', { file_path: '/mnt/session/other.txt' })).text).toContain('is outside');
    expect((await run('read', { file_path: '/mnt/session' })).text).toContain('is outside');
  });

  it('a link to another root\'s sandbox path reaches it; a write through it lands in that root', async () => {
    expect(await run('write', { file_path: 'to-notes/n/today.md', content: 'note\n' })).toEqual({ isError: false, text: 'wrote 5 bytes to to-notes/n/today.md' });
    expect(fs.readFileSync(path.join(notes, 'n', 'today.md'), 'utf8')).toBe('note\n');
  });

  it('a resource materialised inside the workspace is opened from the workspace, never by its host path', async () => {
    // an identity mount: /workspace/sub/repo is <workspace>/sub/repo on the host
    const repo = path.join(ws, 'sub', 'repo');
    fs.mkdirSync(repo, { recursive: true });
    fs.writeFileSync(path.join(repo, 'README'), 'repo readme\n');
    const secret = path.join(base, 'elsewhere');
    fs.mkdirSync(path.join(secret, 'repo'), { recursive: true });
    fs.writeFileSync(path.join(secret, 'repo', 'README'), 'SECRET readme\n');
    const inWorkspace = new ConfinedFileTools({
      workdir: WS,
      roots: [
        { sandboxPath: WS, hostPath: ws, readOnly: false },
        { sandboxPath: `${WS}/sub/repo`, hostPath: repo, readOnly: true },
      ],
    });
    const call = async (name: string, input: Record<string, unknown>) => text(await inWorkspace.run(name, input, signal));
    expect(await call('read', { file_path: 'sub/repo/README' })).toBe('repo readme\n');
    expect(await call('write', { file_path: 'sub/repo/new', content: 'x' })).toBe(`write: ${RO('sub/repo/new', `${WS}/sub/repo`)}`);
    // the agent moves the mount point's parent away (the mount goes with it) and makes a new one
    // whose `repo` is a link to the host
    fs.renameSync(path.join(ws, 'sub'), path.join(ws, 'sub-moved'));
    fs.mkdirSync(path.join(ws, 'sub'));
    fs.symlinkSync(path.join(secret, 'repo'), path.join(ws, 'sub', 'repo'));
    expect(await call('read', { file_path: 'sub/repo/README' })).toBe('read: sub/repo/README: too many levels of symbolic links');
    expect(await call('grep', { pattern: 'readme' })).not.toContain('SECRET');
    expect(await call('glob', { pattern: '**/README' })).not.toContain(`${WS}/sub/repo`);
    expect(await call('read', { file_path: 'sub-moved/repo/README' })).toBe('repo readme\n');
    fs.rmSync(path.join(ws, 'sub'), { recursive: true });
    fs.renameSync(path.join(ws, 'sub-moved'), path.join(ws, 'sub'));
  });

  it.runIf(process.getuid?.() === 0)('what the tools create belongs to the owner; a rewritten file keeps its owner', async () => {
    expect((await run('write', { file_path: 'o1/o2/f.txt', content: 'f\n' })).isError).toBe(false);
    for (const rel of ['o1', 'o1/o2', 'o1/o2/f.txt']) {
      const st = fs.statSync(path.join(ws, rel));
      expect({ rel, uid: st.uid, gid: st.gid }).toEqual({ rel, uid: OWNER.uid, gid: OWNER.gid });
    }
    expect(fs.statSync(path.join(ws, 'o1')).mode & 0o777).toBe(0o700 & ~process.umask());
    expect(fs.statSync(path.join(ws, 'o1/o2/f.txt')).mode & 0o777).toBe(0o600 & ~process.umask());
    expect((await run('edit', { file_path: 'o1/o2/f.txt', old_string: 'f', new_string: 'g' })).isError).toBe(false);
    expect(fs.statSync(path.join(ws, 'o1/o2/f.txt')).uid).toBe(OWNER.uid);
    fs.writeFileSync(path.join(ws, 'root-owned.txt'), 'r\n');
    expect((await run('write', { file_path: 'root-owned.txt', content: 's\n' })).isError).toBe(false);
    expect(fs.statSync(path.join(ws, 'root-owned.txt')).uid).toBe(0);
    expect(fs.readdirSync(ws).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });
});
