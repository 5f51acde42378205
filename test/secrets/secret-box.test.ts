// The sealing of secrets at rest: AES-256-GCM bound to the owning row, keyrings across a rotation.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sealedKeyId, secretBox } from '../../src/secrets/secret-box.js';
import { parseSecretKey } from '../../src/secrets/secret-key.js';

describe('secret box', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);

  it('seals with a fresh IV each time and opens only for the same row', () => {
    const box = secretBox(k1);
    const a = box.seal('hunter2', 'vcrd_1');
    const b = box.seal('hunter2', 'vcrd_1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('hunter2');
    expect(box.open(a, 'vcrd_1')).toBe('hunter2');
    expect(() => box.open(a, 'vcrd_2')).toThrow(); // copied onto another row: does not open
  });

  it('refuses tampered values and unknown keys', () => {
    const sealed = secretBox(k1).seal('hunter2', 'id');
    const parts = sealed.split(':');
    const body = Buffer.from(parts[5]!, 'base64url');
    body[0]! ^= 1;
    parts[5] = body.toString('base64url');
    expect(() => secretBox(k1).open(parts.join(':'), 'id')).toThrow();
    expect(() => secretBox(k2).open(sealed, 'id')).toThrow(/unknown key/);
    expect(() => secretBox(k1).open('plain text', 'id')).toThrow(/not a sealed secret/);
  });

  it('opens values of every key in its ring and seals with the primary one', () => {
    const old = secretBox(k1).seal('v', 'id');
    const ring = secretBox(k2, [k1]);
    expect(ring.open(old, 'id')).toBe('v');
    expect(sealedKeyId(old)).not.toBe(ring.primaryKeyId);
    expect(sealedKeyId(ring.seal('v', 'id'))).toBe(ring.primaryKeyId);
  });

  it('parses keys as hex or base64 and never echoes a bad one', () => {
    expect(parseSecretKey(k1.toString('hex'), 'K')).toEqual(k1);
    expect(parseSecretKey(k1.toString('base64'), 'K')).toEqual(k1);
    expect(parseSecretKey(k1.toString('base64url'), 'K')).toEqual(k1);
    for (const bad of ['too-short-secret', 'ab'.repeat(31), 'zz'.repeat(32)]) {
      let message = '';
      try {
        parseSecretKey(bad, 'AGENTD_SECRET_KEY');
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toContain('AGENTD_SECRET_KEY');
      expect(message).not.toContain(bad);
    }
  });
});
