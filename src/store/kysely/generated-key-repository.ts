// The generated API key's digest: one row, written once by whichever replica claims it first.
import type { Kysely } from 'kysely';
import type { GeneratedKeyRepository } from '../types.js';
import type { Database } from './schema.js';

const ROW = 'default';

export class KyselyGeneratedKeyRepository implements GeneratedKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(): Promise<string | undefined> {
    const row = await this.db.selectFrom('generated_api_keys').select('digest').where('id', '=', ROW).executeTakeFirst();
    return row?.digest;
  }

  async claim(digest: string, at: string): Promise<string> {
    // Two replicas starting together both try; the primary key lets exactly one in.
    await this.db
      .insertInto('generated_api_keys')
      .values({ id: ROW, digest, created_at: at })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    return (await this.get())!;
  }
}
