// A new SQLite database starts as a copy of a template that `npm run build` makes (every migration applied to an
// empty database, then VACUUM INTO), not by running the migrations: a first start skips ~200 DDL statements, after
// each of which SQLite re-reads its schema (about 40 ms of a 340 ms start; docs/benchmarks.md). The template's name
// carries a digest of the migrations it holds, so a build whose migrations differ finds none and migrates as before;
// a database that exists is never touched.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { DEFAULT_MIGRATION_TABLE } from 'kysely';
import { DEFAULT_WORKSPACE_ID } from '../workspace.js';

/** The template of a database with exactly these migrations applied. */
export function templateName(migrationNames: readonly string[]): string {
  const digest = createHash('sha256').update(migrationNames.join('\n')).digest('hex').slice(0, 16);
  return `sqlite-template-${digest}.sqlite`;
}

/**
 * Where the build put the template for these migrations, if it did: `dist/` beside the running code (the bundle in
 * dist/bundle, the compiled files in dist/src, or the sources, as the tests run them, below the package's root).
 */
export function findTemplate(migrationNames: readonly string[]): string | undefined {
  const name = templateName(migrationNames);
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const file = path.basename(dir) === 'dist' ? path.join(dir, name) : path.join(dir, 'dist', name);
    if (fs.existsSync(file)) return file;
    // The package's root is as far as the build's output can be.
    if (fs.existsSync(path.join(dir, 'package.json')) || path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Creates `file` as a copy of `template`, with the time the migrations' rows carry set to now (the applied migrations'
 * timestamps, the default workspace's creation), as migrating now would have. The copy is made beside `file` and linked
 * into place, so a reader never sees half a file and an existing `file` (another process was first) stays as it is.
 * Where that cannot be done (a file system without hard links, say), `file` is left absent: it is then migrated.
 */
export function createFromTemplate(template: string, file: string, now: string): void {
  const copy = `${file}.template-${process.pid}`;
  try {
    fs.copyFileSync(template, copy);
    const db = new BetterSqlite3(copy);
    try {
      db.transaction(() => {
        db.prepare(`update ${DEFAULT_MIGRATION_TABLE} set timestamp = ?`).run(now);
        db.prepare('update workspaces set created_at = ? where id = ?').run(now, DEFAULT_WORKSPACE_ID);
      })();
    } finally {
      db.close();
    }
    fs.linkSync(copy, file);
  } catch (err) {
    // EEXIST: another process created it first, which is as good.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      process.emitWarning(`${file}: not made from the schema template (${(err as Error).message}); migrating it instead`, 'SqliteTemplateWarning');
    }
  } finally {
    fs.rmSync(copy, { force: true });
  }
}

/** Templates of other migration lists in `dir` (a build's earlier ones). */
export function removeTemplates(dir: string): void {
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (/^sqlite-template-[0-9a-f]+\.sqlite$/.test(name)) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/** Writes a compacted copy of the migrated database `source` (closed) to `target`: the build's template. */
export function writeTemplate(source: string, target: string): void {
  fs.rmSync(target, { force: true });
  const db = new BetterSqlite3(source);
  try {
    db.prepare('vacuum into ?').run(target);
  } finally {
    db.close();
  }
}
