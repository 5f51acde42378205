// Resolves the API keys the server accepts: AGENTD_API_KEY, or one generated into the data dir.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { digestKey, type ApiKeyEntry } from '../http/auth.js';
import { DEFAULT_WORKSPACE_ID } from '../store/workspace.js';

export interface ResolvedKeys {
  entries: ApiKeyEntry[];
  /** Set only on the start that created the key, so it is printed exactly once. */
  generated?: { key: string; file: string } | undefined;
  file?: string | undefined;
}

export function resolveApiKeys(configured: readonly string[], dataDir: string): ResolvedKeys {
  const toEntries = (keys: readonly string[]) =>
    keys.map((k) => ({ workspaceId: DEFAULT_WORKSPACE_ID, digest: digestKey(k) }));
  if (configured.length > 0) return { entries: toEntries(configured) };
  const file = path.join(dataDir, 'api-key');
  if (fs.existsSync(file)) {
    const key = fs.readFileSync(file, 'utf8').trim();
    if (key) return { entries: toEntries([key]), file };
  }
  const key = `sk-agentd-${randomBytes(24).toString('base64url')}`;
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, key + '\n', { mode: 0o600 });
  return { entries: toEntries([key]), generated: { key, file }, file };
}
