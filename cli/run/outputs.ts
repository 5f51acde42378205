// `agentd run --out DIR`: the agent is asked to leave what it made in /mnt/session/outputs (which
// the server keeps as files scoped to the session); when the run is done they are downloaded into
// DIR under their paths, never outside it.
import path from 'node:path';
import type Anthropic from '@anthropic-ai/sdk';
import { downloadTo } from '../platform/files-download.js';

export const OUTPUTS_DIR = '/mnt/session/outputs';

/** Added to the task's message, so the agent knows the files it should hand back. */
export const OUTPUTS_NOTE =
  `When you are done, copy every file you created or changed for this task into ${OUTPUTS_DIR}/, ` +
  'keeping its path relative to your working directory: those files are copied back to the user.';

export interface CopiedOutput {
  path: string;
  bytes: number;
}

/** Downloads the session's output files into `dir`; a filename that would land outside it is skipped. */
export async function copyOutputs(client: Anthropic, sessionId: string, dir: string, warn: (m: string) => void): Promise<CopiedOutput[]> {
  const root = path.resolve(dir);
  const latest = new Map<string, string>();
  // Oldest first: a file the agent rewrote keeps only its newest capture.
  const files = [];
  for await (const f of client.beta.files.list({ scope_id: sessionId, limit: 100 })) files.push(f);
  files.sort((a, b) => a.created_at.localeCompare(b.created_at));
  for (const f of files) if (f.downloadable !== false) latest.set(f.filename, f.id);
  const copied: CopiedOutput[] = [];
  for (const [filename, id] of latest) {
    const dest = path.resolve(root, filename);
    if (dest !== root && !dest.startsWith(root + path.sep)) {
      warn(`skipped output "${filename}": its path leaves ${root}`);
      continue;
    }
    copied.push({ path: dest, bytes: await downloadTo(client, id, dest) });
  }
  return copied;
}
