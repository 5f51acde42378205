// Authenticated encryption of credential secrets at rest: AES-256-GCM with a random 96-bit IV per
// value, the row's id as additional data (a sealed value copied onto another row does not open),
// and the key's id in the envelope so a keyring can open values sealed before a rotation.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'agentd-sealed:v1';
export const SECRET_KEY_BYTES = 32;

export interface SecretBox {
  /** Seals `plaintext` under the primary key, bound to `context` (the owning row's id). */
  seal(plaintext: string, context: string): string;
  /** Opens a value sealed by any key of the ring; throws if it was tampered with or the key is unknown. */
  open(sealed: string, context: string): string;
  /** The id of the key new values are sealed with. */
  readonly primaryKeyId: string;
}

/** A short public fingerprint of a key (never the key). */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('agentd-secret-key-id').update(key).digest('hex').slice(0, 16);
}

/** A box sealing with `primary` and opening with it or any of `others` (keys mid-rotation). */
export function secretBox(primary: Buffer, others: readonly Buffer[] = []): SecretBox {
  for (const k of [primary, ...others]) {
    if (k.length !== SECRET_KEY_BYTES) throw new Error(`a secret key must be ${SECRET_KEY_BYTES} bytes`);
  }
  const ring = new Map<string, Buffer>();
  for (const k of [primary, ...others]) ring.set(keyId(k), k);
  const primaryKeyId = keyId(primary);
  return {
    primaryKeyId,
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', primary, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const parts = [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url'));
      return `${PREFIX}:${primaryKeyId}:${parts.join(':')}`;
    },
    open(sealed, context) {
      const fields = sealed.split(':');
      if (fields.length !== 6 || `${fields[0]}:${fields[1]}` !== PREFIX) throw new Error('not a sealed secret');
      const [, , id, iv, tag, body] = fields as [string, string, string, string, string, string];
      const key = ring.get(id);
      if (!key) throw new Error(`secret sealed with an unknown key (${id}); is AGENTD_SECRET_KEY the key it was sealed with?`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

/** Which key a sealed value was sealed with (for rotation progress); undefined if not sealed. */
export function sealedKeyId(sealed: string): string | undefined {
  const fields = sealed.split(':');
  return fields.length === 6 && `${fields[0]}:${fields[1]}` === PREFIX ? fields[2] : undefined;
}
