// Finds secret values wherever agentd keeps data: every file under the data dir (the SQLite
// database, its WAL, key files, workspaces) and, on PostgreSQL, every row of every table.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { TestServer } from './server.js';

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : e.isFile() ? [p] : [];
  });
}

/** Everything stored for `t`, as one text per file or table (bytes decoded as latin1 so nothing is lost). */
export async function storedTexts(t: TestServer): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const file of filesUnder(t.dataDir)) out.set(file, fs.readFileSync(file).toString('latin1'));
  if (t.databaseUrl) {
    const client = new pg.Client({ connectionString: t.databaseUrl });
    await client.connect();
    try {
      const tables = await client.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
      for (const { tablename } of tables.rows) {
        const rows = await client.query(`SELECT * FROM "${tablename}"`);
        out.set(`table ${tablename}`, JSON.stringify(rows.rows));
      }
    } finally {
      await client.end();
    }
  }
  return out;
}

/** Where any of `secrets` occurs in `texts` ("<where>: <secret>"); empty when nowhere. */
export function secretsIn(texts: Iterable<[string, string]>, secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const [where, text] of texts) {
    for (const s of secrets) {
      // Stored bytes are latin1-decoded: look for the secret's UTF-8 bytes the same way.
      if (text.includes(s) || text.includes(Buffer.from(s, 'utf8').toString('latin1'))) found.push(`${where}: ${s}`);
    }
  }
  return found;
}
