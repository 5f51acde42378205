// Contract: /v1/files driven through the official SDK (multipart upload, streamed download), on every dialect.
import { localWorkspaces } from '../../src/sandbox/workspace/local-workspaces.js';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { toFile } from '@anthropic-ai/sdk';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/commands/context.js';
import { copyFileForSession } from '../../src/commands/files.js';
import { newId } from '../../src/api/ids.js';
import { DEFAULT_WORKSPACE_ID } from '../../src/store/workspace.js';
import { useServer } from '../helpers/use.js';
import { serverBlobs } from '../helpers/blobs.js';
import { dialects } from '../helpers/databases.js';
import { type TestServer } from '../helpers/server.js';
import { createPriceTable } from '../../src/telemetry/prices.js';
import { expectEnvelope, failure } from '../helpers/errors.js';

const MANAGED_AGENTS_BETA = 'managed-agents-2026-04-01' as const;

async function download(t: TestServer, id: string): Promise<{ bytes: Buffer; headers: Headers }> {
  const res = await t.client.beta.files.download(id);
  return { bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

async function listIds(t: TestServer, params: Parameters<TestServer['client']['beta']['files']['list']>[0] = {}) {
  const ids: string[] = [];
  for await (const f of t.client.beta.files.list(params)) ids.push(f.id);
  return ids;
}

/**
 * Every stored blob, partial writes included (temp files on disk, staging keys in the database):
 * what a failed upload must not leave. SQLite keeps bytes in the data dir, PostgreSQL in `blobs`.
 */
const blobDirEntries = async (t: TestServer): Promise<string[]> => {
  if (t.databaseUrl) {
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      return (await db.query<{ key: string }>('SELECT DISTINCT key FROM blobs')).rows.map((r) => r.key);
    } finally {
      await db.end();
    }
  }
  const dir = path.join(t.dataDir, 'files');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
};

describe.each(dialects())('files (%s)', (dialect) => {
  const t = useServer(dialect);

  it('uploads binary bytes and downloads them byte-equal, with full metadata', async () => {
    const bytes = randomBytes(1024 * 1024 * 2 + 123);
    const file = await t.client.beta.files.upload({ file: await toFile(bytes, 'data.bin') });
    expect(file).toMatchObject({
      type: 'file',
      filename: 'data.bin',
      mime_type: 'application/octet-stream',
      size_bytes: bytes.length,
      downloadable: true,
      scope: null,
    });
    expect(file.id).toMatch(/^file_/);
    expect(Date.parse(file.created_at)).not.toBeNaN();
    expect(file.expires_at ?? null).toBeNull();
    expect(await t.client.beta.files.retrieveMetadata(file.id)).toEqual(file);

    const got = await download(t, file.id);
    expect(got.bytes.equals(bytes)).toBe(true);
    expect(got.headers.get('content-type')).toBe('application/octet-stream');
    expect(got.headers.get('content-disposition')).toBe(`attachment; filename="data.bin"; filename*=UTF-8''data.bin`);
  });

  it('keeps the part content type and a UTF-8 filename (final path component only)', async () => {
    const file = await t.client.beta.files.upload({
      file: await toFile(Buffer.from('bonjour\n'), 'dir/résumé "v2".txt', { type: 'text/plain' }),
    });
    expect(file.filename).toBe('résumé "v2".txt');
    expect(file.mime_type).toBe('text/plain');
    const got = await download(t, file.id);
    expect(got.bytes.toString()).toBe('bonjour\n');
    expect(got.headers.get('content-type')).toMatch(/^text\/plain/);
    const disposition = got.headers.get('content-disposition')!;
    expect(disposition).toMatch(/^attachment; filename="r_sum_ _v2_.txt"; /);
    const encoded = /filename\*=UTF-8''(.+)$/.exec(disposition)![1]!;
    expect(decodeURIComponent(encoded)).toBe('résumé "v2".txt');
  });

  it('sets expires_at from expires_in_seconds and validates its range', async () => {
    const file = await t.client.beta.files.upload({ file: await toFile(Buffer.from('x'), 'x.txt'), expires_in_seconds: 3600 });
    expect(Date.parse(file.expires_at!) - Date.parse(file.created_at)).toBe(3600 * 1000);
    expect((await download(t, file.id)).bytes.toString()).toBe('x');

    const before = await listIds(t);
    const blobsBefore = (await blobDirEntries(t)).sort();
    for (const bad of [10, 7_776_001]) {
      const err = await failure(
        t.client.beta.files.upload({ file: await toFile(Buffer.from('y'), 'y.txt'), expires_in_seconds: bad }),
      );
      expectEnvelope(err, 400, 'invalid_request_error');
      expect(err.error.error.message).toMatch(/^expires_in_seconds:/);
    }
    expect(await listIds(t)).toEqual(before);
    expect((await blobDirEntries(t)).sort()).toEqual(blobsBefore);
  });

  it('rejects an upload without a file part with a 400 naming file', async () => {
    const err = await failure(t.client.beta.files.upload({ expires_in_seconds: 3600 } as never));
    expectEnvelope(err, 400, 'invalid_request_error');
    expect(err.error.error.message).toMatch(/^file:/);
  });

  it('deletes bytes and metadata; afterwards metadata and download are 404', async () => {
    const file = await t.client.beta.files.upload({ file: await toFile(randomBytes(4096), 'gone.bin') });
    expect(await blobDirEntries(t)).toContain(file.id);
    expect(await t.client.beta.files.delete(file.id)).toEqual({ id: file.id, type: 'file_deleted' });
    expect(await blobDirEntries(t)).not.toContain(file.id);
    expectEnvelope(await failure(t.client.beta.files.retrieveMetadata(file.id)), 404, 'not_found_error');
    expectEnvelope(await failure(t.client.beta.files.download(file.id)), 404, 'not_found_error');
    expectEnvelope(await failure(t.client.beta.files.delete(file.id)), 404, 'not_found_error');
    expect(await listIds(t)).not.toContain(file.id);
  });

  it('keeps metadata of an expired file but refuses its bytes with file_expired', async () => {
    const id = newId('file');
    const past = new Date(Date.now() - 60_000).toISOString();
    // Expiry is at least an hour away on upload, so the record is written as an hour-old upload would be.
    await t.server.store.files.insert({
      id,
      workspaceId: DEFAULT_WORKSPACE_ID,
      filename: 'old.txt',
      mimeType: 'text/plain',
      sizeBytes: 3,
      scopeSessionId: null,
      downloadable: true,
      createdAt: new Date(Date.now() - 3_660_000).toISOString(),
      expiresAt: past,
    });
    expect((await t.client.beta.files.retrieveMetadata(id)).expires_at).toBe(past);
    const err = await failure(t.client.beta.files.download(id));
    expectEnvelope(err, 404, 'not_found_error');
    expect(err.errorCode).toBe('file_expired');
    await t.client.beta.files.delete(id);
  });

  it('answers a file whose bytes are missing with a 404 envelope naming it, not a raw 500', async () => {
    const file = await t.client.beta.files.upload({ file: await toFile(Buffer.from('soon gone'), 'lost.txt') });
    await serverBlobs(t).remove(file.id);
    const err = await failure(t.client.beta.files.download(file.id));
    expectEnvelope(err, 404, 'not_found_error');
    expect(err.error.error.message).toContain(`${file.id} ("lost.txt") is missing`);
    expect((await t.client.beta.files.retrieveMetadata(file.id)).filename).toBe('lost.txt');
    await t.client.beta.files.delete(file.id);
  });

  it('returns 404 with the error envelope for unknown ids', async () => {
    const id = 'file_doesnotexist';
    for (const call of [
      () => t.client.beta.files.retrieveMetadata(id),
      () => t.client.beta.files.download(id),
      () => t.client.beta.files.delete(id),
    ]) {
      expectEnvelope(await failure(call()), 404, 'not_found_error');
    }
  });

  it('keeps files byte-equal across a restart', async () => {
    const bytes = randomBytes(1024 * 1024 + 7);
    const file = await t.client.beta.files.upload({ file: await toFile(bytes, 'persist.bin') });
    await t.restart();
    expect(await t.client.beta.files.retrieveMetadata(file.id)).toEqual(file);
    expect((await download(t, file.id)).bytes.equals(bytes)).toBe(true);
  });
});

describe.each(dialects())('file listing and session copies (%s)', (dialect) => {
  const t = useServer(dialect);

  it('pages newest first, via auto-pagination and via next_page, and filters by ids', async () => {
    const uploaded: string[] = [];
    for (let i = 0; i < 7; i++) {
      uploaded.push((await t.client.beta.files.upload({ file: await toFile(Buffer.from(`file ${i}`), `f${i}.txt`) })).id);
    }
    const newestFirst = [...uploaded].reverse();
    expect(await listIds(t, { limit: 3 })).toEqual(newestFirst);

    const manual: string[] = [];
    const sizes: number[] = [];
    let page: string | null | undefined;
    do {
      const res = await t.client.beta.files.list({ limit: 3, ...(page ? { page } : {}) });
      manual.push(...res.data.map((f) => f.id));
      sizes.push(res.data.length);
      page = res.next_page;
    } while (page);
    expect(sizes).toEqual([3, 3, 1]);
    expect(manual).toEqual(newestFirst);

    const picked = await t.client.beta.files.list({ ids: [uploaded[1]!, uploaded[4]!, 'file_missing', uploaded[1]!] });
    expect(picked.data.map((f) => f.id).sort()).toEqual([uploaded[1], uploaded[4]].sort());
    expect(picked.next_page).toBeNull();

    const both = await failure(t.client.beta.files.list({ ids: [uploaded[0]!], limit: 2 }));
    expectEnvelope(both, 400, 'invalid_request_error');
    expect(both.error.error.message).toMatch(/^ids:/);
  });

  it('copies a file for a session; scope_id lists only that session’s files', async () => {
    const bytes = randomBytes(300_000);
    const original = await t.client.beta.files.upload({ file: await toFile(bytes, 'input.csv', { type: 'text/csv' }) });
    const sessionId = newId('sesn');
    // Session resources call this use case; here it runs against the live server's store and blob dir.
    const ctx: CommandContext = {
      store: t.server.store,
      blobs: serverBlobs(t),
      now: () => new Date().toISOString(),
      log: undefined as never, // copying a file appends no events
      modelProvider: 'anthropic',
      workspaces: localWorkspaces(path.join(t.dataDir, 'workspaces')),
      prices: createPriceTable(),
    };
    const copy = await copyFileForSession(ctx, DEFAULT_WORKSPACE_ID, original.id, sessionId);
    expect(copy.id).not.toBe(original.id);

    const meta = await t.client.beta.files.retrieveMetadata(copy.id);
    expect(meta).toMatchObject({
      filename: 'input.csv',
      mime_type: 'text/csv',
      size_bytes: bytes.length,
      scope: { type: 'session', id: sessionId },
    });
    const scoped = await listIds(t, { scope_id: sessionId, betas: [MANAGED_AGENTS_BETA] });
    expect(scoped).toEqual([copy.id]);
    expect(await listIds(t, { scope_id: newId('sesn'), betas: [MANAGED_AGENTS_BETA] })).toEqual([]);

    // The copy is independent of the original.
    await t.client.beta.files.delete(original.id);
    expect((await download(t, copy.id)).bytes.equals(bytes)).toBe(true);

    const badScope = await failure(t.client.beta.files.list({ scope_id: 'agent_123', betas: [MANAGED_AGENTS_BETA] }));
    expectEnvelope(badScope, 400, 'invalid_request_error');
    expect(badScope.error.error.message).toMatch(/^scope_id:/);
  });
});

describe.each(dialects())('file size limit (%s)', (dialect) => {
  const t = useServer(dialect, () => ({ env: { AGENTD_MAX_FILE_BYTES: '1024' } }));

  it('accepts a file of exactly the limit', async () => {
    const bytes = randomBytes(1024);
    const file = await t.client.beta.files.upload({ file: await toFile(bytes, 'fits.bin') });
    expect(file.size_bytes).toBe(1024);
    expect((await download(t, file.id)).bytes.equals(bytes)).toBe(true);
    await t.client.beta.files.delete(file.id);
  });

  it('answers 413 past the limit and keeps neither metadata nor bytes', async () => {
    for (const size of [1025, 64 * 1024, 3 * 1024 * 1024]) {
      const err = await failure(t.client.beta.files.upload({ file: await toFile(randomBytes(size), 'big.bin') }));
      expectEnvelope(err, 413, 'request_too_large');
    }
    expect(await listIds(t)).toEqual([]);
    expect(await blobDirEntries(t)).toEqual([]);
  });
});
