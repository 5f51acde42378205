// Where the secret key comes from: AGENTD_SECRET_KEY (32 bytes as hex or base64), else a key file
// generated in the data dir with mode 0600. A `secret.key.next` left by an interrupted rotation is
// loaded too, so every value stays readable until the rotation is finished.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SECRET_KEY_BYTES, secretBox, type SecretBox } from './secret-box.js';

export const KEY_FILE = 'secret.key';
export const NEXT_KEY_FILE = 'secret.key.next';

/** Parses a key given as 64 hex characters or base64/base64url of 32 bytes; the message never echoes it. */
export function parseSecretKey(text: string, source: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== SECRET_KEY_BYTES || (!/^[0-9a-fA-F]{64}$/.test(t) && !/^[A-Za-z0-9+/_-]{43}=?$/.test(t))) {
    throw new Error(`${source} must be ${SECRET_KEY_BYTES} bytes as 64 hex characters or base64 (e.g. openssl rand -hex 32)`);
  }
  return key;
}

export function readKeyFile(file: string): Buffer {
  return parseSecretKey(fs.readFileSync(file, 'utf8'), file);
}

/** Writes a fresh key to `file` (mode 0600, never overwriting) and returns it. */
export function writeNewKeyFile(file: string): Buffer {
  const key = randomBytes(SECRET_KEY_BYTES);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    fs.writeSync(fd, key.toString('hex') + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return key;
}

export interface SecretKeySource {
  /** AGENTD_SECRET_KEY, when set. */
  readonly configuredKey: string | undefined;
  readonly dataDir: string;
}

/** The server's box: the configured key, or the data dir's key file (generated on first use). */
export function loadSecretBox(source: SecretKeySource): SecretBox {
  if (source.configuredKey !== undefined) return secretBox(parseSecretKey(source.configuredKey, 'AGENTD_SECRET_KEY'));
  const file = path.join(source.dataDir, KEY_FILE);
  const primary = fs.existsSync(file) ? readKeyFile(file) : writeNewKeyFile(file);
  const next = path.join(source.dataDir, NEXT_KEY_FILE);
  return secretBox(primary, fs.existsSync(next) ? [readKeyFile(next)] : []);
}
