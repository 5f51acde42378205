// Opening a store on a schema that is already current reads the applied migrations once and skips
// the migrator; a database that is new, behind, or ahead of this build still goes through it (which
// applies what is missing, or refuses migrations this build does not know). Real SQLite files.
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const tempDir = useTempDirs('agentd-migrations-');
const dbFile = () => path.join(tempDir(), 'agentd.db');
const applied = (file: string) => {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return (db.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>).map((r) => r.name);
  } finally {
    db.close();
  }
};

describe('migrations when a store opens', () => {
  it('a current schema opens as it is; a migration missing from it is applied again on the next open', async () => {
    const file = dbFile();
    await (await openSqliteStore(file)).close();
    const all = applied(file);
    expect(all.length).toBeGreaterThan(10);

    await (await openSqliteStore(file)).close();
    expect(applied(file)).toEqual(all);

    // The newest migration's record removed by hand: the open runs the migrator again for it.
    const last = all[all.length - 1]!;
    const db = new BetterSqlite3(file);
    db.prepare('delete from kysely_migration where name = ?').run(last);
    db.close();
    const reopened = await openSqliteStore(file).catch((err: Error) => err);
    // Either re-applied (idempotent DDL) or refused with the migrator's reason: never silently skipped.
    if (reopened instanceof Error) expect(reopened.message).toContain(`database migration ${last} failed`);
    else {
      await reopened.close();
      expect(applied(file)).toEqual(all);
    }
  });

  it('the pending migrations apply as one transaction: one that fails leaves none of them behind', async () => {
    const file = dbFile();
    await (await openSqliteStore(file)).close();
    const all = applied(file);
    const blobs = all.find((n) => n.startsWith('122'))!;
    const snapshots = all.find((n) => n.startsWith('124'))!;
    // 122 made to apply again (its table and record gone); 124's record gone but its table kept, so it fails.
    const db = new BetterSqlite3(file);
    db.exec('drop table blobs');
    db.prepare('delete from kysely_migration where name in (?, ?)').run(blobs, snapshots);
    db.close();
    await expect(openSqliteStore(file)).rejects.toThrow(`database migration ${snapshots} failed`);
    // 122 ran before 124 failed, and is undone with it: no table, no record.
    const after = new BetterSqlite3(file, { readonly: true });
    const table = after.prepare("select name from sqlite_master where type = 'table' and name = 'blobs'").get();
    after.close();
    expect(table).toBeUndefined();
    expect(applied(file)).toEqual(all.filter((n) => n !== blobs && n !== snapshots));
  });

  it('a database migrated by a newer build (a migration this one does not know) is refused, as before', async () => {
    const file = dbFile();
    await (await openSqliteStore(file)).close();
    const db = new BetterSqlite3(file);
    db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('9999_from_a_newer_build', new Date().toISOString());
    db.close();
    await expect(openSqliteStore(file)).rejects.toThrow(/9999_from_a_newer_build/);
  });
});
