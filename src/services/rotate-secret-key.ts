// `agentd secrets rotate-key`: re-seals every stored credential secret (vault credentials, telemetry
// destinations' header values) under a new key. Run it with the servers stopped. Crash-safe: with a key file, the new key is written to secret.key.next first
// (servers and a re-run open values sealed by either key) and replaces secret.key only once every
// value is re-sealed; with AGENTD_SECRET_KEY, a re-run with the same two keys finishes the job.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { secretBox, sealedKeyId } from '../secrets/secret-box.js';
import { KEY_FILE, NEXT_KEY_FILE, parseSecretKey, readKeyFile, writeNewKeyFile } from '../secrets/secret-key.js';
import { openStore } from '../store/open-store.js';

export interface RotationResult {
  /** Values re-sealed by this run (values already under the new key are skipped). */
  resealed: number;
  /** Where the new key is: the key file, or "AGENTD_NEW_SECRET_KEY" to be moved to AGENTD_SECRET_KEY. */
  newKeyAt: string;
}

const BATCH = 200;

export async function rotateSecretKey(config: Config, newKeyText: string | undefined): Promise<RotationResult> {
  const keyFile = path.join(config.dataDir, KEY_FILE);
  const nextFile = path.join(config.dataDir, NEXT_KEY_FILE);
  let oldKey: Buffer;
  let newKey: Buffer;
  if (config.secretKey !== undefined) {
    if (newKeyText === undefined) {
      throw new Error('AGENTD_SECRET_KEY is set: put the new key in AGENTD_NEW_SECRET_KEY (e.g. openssl rand -hex 32) and run again');
    }
    oldKey = parseSecretKey(config.secretKey, 'AGENTD_SECRET_KEY');
    newKey = parseSecretKey(newKeyText, 'AGENTD_NEW_SECRET_KEY');
  } else {
    if (newKeyText !== undefined) throw new Error('AGENTD_NEW_SECRET_KEY applies only when AGENTD_SECRET_KEY is set');
    if (!fs.existsSync(keyFile)) throw new Error(`no key file at ${keyFile}: nothing is sealed yet, so there is nothing to rotate`);
    oldKey = readKeyFile(keyFile);
    // A rotation cut short left its new key behind: finish with that one, never mint another.
    newKey = fs.existsSync(nextFile) ? readKeyFile(nextFile) : writeNewKeyFile(nextFile);
  }
  const box = secretBox(newKey, [oldKey]);
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  let resealed = 0;
  try {
    let after: string | undefined;
    for (;;) {
      const rows = await store.vaults.sealedCredentials(after, BATCH);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (sealedKeyId(row.sealedSecrets) === box.primaryKeyId) continue;
        await store.vaults.setSealedSecrets(row.id, box.seal(box.open(row.sealedSecrets, row.id), row.id));
        resealed++;
      }
      after = rows[rows.length - 1]!.id;
    }
    // Telemetry destinations' header values (at most ten rows).
    for (const d of await store.telemetryDestinations.list()) {
      if (!d.sealedHeaders || sealedKeyId(d.sealedHeaders) === box.primaryKeyId) continue;
      await store.telemetryDestinations.setSealedHeaders(d.id, box.seal(box.open(d.sealedHeaders, d.id), d.id));
      resealed++;
    }
  } finally {
    await store.close();
  }
  if (config.secretKey !== undefined) return { resealed, newKeyAt: 'AGENTD_NEW_SECRET_KEY' };
  fs.renameSync(nextFile, keyFile);
  const dir = fs.openSync(config.dataDir, 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
  return { resealed, newKeyAt: keyFile };
}
