// A new SQLite database starts as a copy of the build's template (src/store/sqlite/schema-template.ts) instead of
// being migrated: it must be the same database migrating would make (schema, applied migrations, the rows the
// migrations write, their time), found only for this build's exact list of migrations, and never written over an
// existing database. Real SQLite files; the template is the one `npm run build` made.
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrationNames } from '../../src/store/kysely/migrations/index.js';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.js';
import { findTemplate, templateName } from '../../src/store/sqlite/schema-template.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const tempDir = useTempDirs('agentd-template-');

function read<T>(file: string, query: string): T[] {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return db.prepare(query).all() as T[];
  } finally {
    db.close();
  }
}
const schema = (file: string) => read(file, 'select type, name, tbl_name, sql from sqlite_master order by type, name');
const applied = (file: string) => read<{ name: string; timestamp: string }>(file, 'select name, timestamp from kysely_migration order by name');
const workspaces = (file: string) => read<{ id: string; name: string; created_at: string }>(file, 'select id, name, created_at from workspaces order by id');

describe('a new SQLite database from the build\'s template', () => {
  it('is the database migrating makes: the same schema, applied migrations and rows, with the time it was made', async () => {
    const template = findTemplate(migrationNames);
    expect(template, 'npm run build writes the template for these migrations into dist/').toBeDefined();
    const before = new Date().toISOString();
    const fromTemplate = path.join(tempDir(), 'agentd.db');
    const migrated = path.join(tempDir(), 'agentd.db');
    await (await openSqliteStore(fromTemplate)).close();
    await (await openSqliteStore(migrated, { template: false })).close();

    expect(schema(fromTemplate)).toEqual(schema(migrated));
    expect(schema(fromTemplate).length).toBeGreaterThan(50);
    expect(applied(fromTemplate).map((m) => m.name)).toEqual(applied(migrated).map((m) => m.name));
    expect(applied(fromTemplate).map((m) => m.name)).toEqual([...migrationNames].sort());
    // Copied, not migrated: one time for every migration, this open's, not the template's.
    const stamps = new Set(applied(fromTemplate).map((m) => m.timestamp));
    expect(stamps.size).toBe(1);
    expect([...stamps][0]! >= before).toBe(true);
    expect(workspaces(fromTemplate).map(({ id, name }) => ({ id, name }))).toEqual(workspaces(migrated).map(({ id, name }) => ({ id, name })));
    expect(workspaces(fromTemplate).every((w) => w.created_at >= before)).toBe(true);
    // Nothing of the copy is left beside the database.
    expect(fs.readdirSync(path.dirname(fromTemplate)).filter((f) => f.includes('template'))).toEqual([]);
  });

  it('starts only a new file (one it cannot start is migrated), and is found only for this build\'s list of migrations', async () => {
    // A template of our own, marked, to see whether a database was made from it.
    const marked = path.join(tempDir(), 'marked.sqlite');
    fs.copyFileSync(findTemplate(migrationNames)!, marked);
    const db = new BetterSqlite3(marked);
    db.exec('create table template_marker (x integer)');
    db.close();
    const markerOf = (file: string) => read(file, "select name from sqlite_master where name = 'template_marker'").length;

    const fresh = path.join(tempDir(), 'agentd.db');
    await (await openSqliteStore(fresh, { template: marked })).close();
    expect(markerOf(fresh)).toBe(1);

    const existing = path.join(tempDir(), 'agentd.db');
    await (await openSqliteStore(existing, { template: false })).close();
    await (await openSqliteStore(existing, { template: marked })).close();
    expect(markerOf(existing)).toBe(0);

    // A template that cannot be copied (here: gone) leaves the new file to the migrations.
    const unmade = path.join(tempDir(), 'agentd.db');
    await (await openSqliteStore(unmade, { template: path.join(tempDir(), 'missing.sqlite') })).close();
    expect(applied(unmade).map((m) => m.name)).toEqual([...migrationNames].sort());

    expect(templateName([...migrationNames, '999-from-a-newer-build'])).not.toBe(templateName(migrationNames));
    expect(findTemplate([...migrationNames, '999-from-a-newer-build'])).toBeUndefined();
    expect(findTemplate(migrationNames.slice(0, -1))).toBeUndefined();
  });
});
