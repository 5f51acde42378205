// Programs on this host: whether a file is one this process may execute, and where a name is on PATH.
import fs from 'node:fs';
import path from 'node:path';

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `name` as given if it holds a slash (resolved), else the first executable of that name on PATH. */
export function onPath(name: string): string | undefined {
  if (name.includes('/')) return path.resolve(name);
  return (process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, name)).find(isExecutable);
}
