// `agentd secrets rotate-key`: every sealed value re-sealed under the new key, still opening to the
// same secret; the server restarts on the new key; a cut-short rotation finishes on a re-run.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { rotateSecretKey } from '../../src/services/rotate-secret-key.js';
import { loadSecretBox } from '../../src/secrets/secret-key.js';
import { sealedKeyId, secretBox } from '../../src/secrets/secret-box.js';
import { openStore } from '../../src/store/open-store.js';
import { dialects } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

async function sealedRows(t: TestServer) {
  const store = await openStore({ databaseUrl: t.databaseUrl, dataDir: t.dataDir });
  try {
    return await store.vaults.sealedCredentials(undefined, 100);
  } finally {
    await store.close();
  }
}

async function withCredentials(t: TestServer, tokens: string[]) {
  const v = await t.client.beta.vaults.create({ display_name: 'v' });
  for (const [i, token] of tokens.entries()) {
    await t.client.beta.vaults.credentials.create(v.id, { auth: { type: 'static_bearer', token, mcp_server_url: `https://s${i}.example/mcp` } });
  }
  return v;
}

describe.each(dialects())('secret key rotation (%s)', (dialect) => {
  it('rotates the data dir key file and the server restarts on it', async () => {
    const t = await startTestServer(dialect);
    try {
      const tokens = ['tok-one', 'tok-two', 'tok-three'];
      const v = await withCredentials(t, tokens);
      const keyFile = path.join(t.dataDir, 'secret.key');
      const before = fs.readFileSync(keyFile, 'utf8');
      await t.server.close();
      const config = loadConfig({ dataDir: t.dataDir, databaseUrl: t.databaseUrl }, {});

      // A rotation cut short: the next key exists and one value was already re-sealed with it.
      const oldBox = loadSecretBox({ configuredKey: undefined, dataDir: t.dataDir });
      const nextKey = randomBytes(32);
      fs.writeFileSync(path.join(t.dataDir, 'secret.key.next'), nextKey.toString('hex'), { mode: 0o600 });
      const [first] = await sealedRows(t);
      const store = await openStore({ databaseUrl: t.databaseUrl, dataDir: t.dataDir });
      await store.vaults.setSealedSecrets(first!.id, secretBox(nextKey).seal(oldBox.open(first!.sealedSecrets, first!.id), first!.id));
      await store.close();

      const result = await rotateSecretKey(config, undefined);
      expect(result.resealed).toBe(2);
      expect(fs.existsSync(path.join(t.dataDir, 'secret.key.next'))).toBe(false);
      expect(fs.readFileSync(keyFile, 'utf8')).not.toBe(before);
      expect(fs.readFileSync(keyFile, 'utf8').trim()).toBe(nextKey.toString('hex'));
      expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);

      const box = loadSecretBox({ configuredKey: undefined, dataDir: t.dataDir });
      const rows = await sealedRows(t);
      expect(rows).toHaveLength(3);
      expect(rows.every((r) => sealedKeyId(r.sealedSecrets) === box.primaryKeyId)).toBe(true);
      expect(rows.map((r) => JSON.parse(box.open(r.sealedSecrets, r.id)).token).sort()).toEqual([...tokens].sort());
      // The old key opens none of them any more.
      expect(() => oldBox.open(rows[0]!.sealedSecrets, rows[0]!.id)).toThrow();

      await t.restart();
      const listed = await t.client.beta.vaults.credentials.list(v.id);
      expect(listed.data).toHaveLength(3);
    } finally {
      await t.close();
    }
  });

  it('re-seals telemetry destinations\' header values too', async () => {
    const t = await startTestServer(dialect);
    try {
      const d = await t.client.beta.organization.telemetryDestinations.create({
        endpoint_url: 'http://127.0.0.1:4318',
        workspaces: { type: 'all' },
        headers: { authorization: 'Bearer collector-key' },
      });
      await t.server.close();
      const oldBox = loadSecretBox({ configuredKey: undefined, dataDir: t.dataDir });
      const result = await rotateSecretKey(loadConfig({ dataDir: t.dataDir, databaseUrl: t.databaseUrl }, {}), undefined);
      expect(result.resealed).toBe(1);
      const box = loadSecretBox({ configuredKey: undefined, dataDir: t.dataDir });
      const store = await openStore({ databaseUrl: t.databaseUrl, dataDir: t.dataDir });
      try {
        const row = (await store.telemetryDestinations.get(d.id))!;
        expect(sealedKeyId(row.sealedHeaders!)).toBe(box.primaryKeyId);
        expect(JSON.parse(box.open(row.sealedHeaders!, d.id))).toEqual({ authorization: 'Bearer collector-key' });
        expect(() => oldBox.open(row.sealedHeaders!, d.id)).toThrow();
        expect(row.updatedAt).toBe(d.updated_at);
      } finally {
        await store.close();
      }
    } finally {
      await t.close();
    }
  });

  it('rotates AGENTD_SECRET_KEY to AGENTD_NEW_SECRET_KEY', async () => {
    const oldKey = randomBytes(32).toString('hex');
    const newKey = randomBytes(32).toString('base64');
    const t = await startTestServer(dialect, { env: { AGENTD_SECRET_KEY: oldKey } });
    try {
      await withCredentials(t, ['env-one', 'env-two']);
      expect(fs.existsSync(path.join(t.dataDir, 'secret.key'))).toBe(false);
      await t.server.close();
      const config = loadConfig({ dataDir: t.dataDir, databaseUrl: t.databaseUrl }, { AGENTD_SECRET_KEY: oldKey });
      await expect(rotateSecretKey(config, undefined)).rejects.toThrow(/AGENTD_NEW_SECRET_KEY/);
      expect((await rotateSecretKey(config, newKey)).resealed).toBe(2);
      expect((await rotateSecretKey(config, newKey)).resealed).toBe(0); // a re-run finds nothing left
      const box = loadSecretBox({ configuredKey: newKey, dataDir: t.dataDir });
      const rows = await sealedRows(t);
      expect(rows.map((r) => JSON.parse(box.open(r.sealedSecrets, r.id)).token).sort()).toEqual(['env-one', 'env-two']);
    } finally {
      await t.close();
    }
  });
});

describe('secret key at start', () => {
  it('refuses a malformed AGENTD_SECRET_KEY at start without echoing it', async () => {
    await expect(startTestServer('sqlite', { env: { AGENTD_SECRET_KEY: 'not-a-real-key' } })).rejects.toThrow(
      /^(?!.*not-a-real-key).*AGENTD_SECRET_KEY must be 32 bytes/,
    );
  });
});
