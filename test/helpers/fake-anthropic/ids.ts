// Identifiers shaped like the real API's: msg_…, toolu_…, req_…, and opaque thinking signatures.
import crypto from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(length: number): string {
  const bytes = crypto.randomBytes(length);
  let out = '';
  for (const b of bytes) out += BASE62[b % 62];
  return out;
}

export const newMessageId = (): string => `msg_01${base62(22)}`;
export const newToolUseId = (): string => `toolu_01${base62(22)}`;
export const newServerToolUseId = (): string => `srvtoolu_01${base62(22)}`;
/** The opaque, encrypted page text of a web search hit. */
export const newEncryptedContent = (): string => `Eo${crypto.randomBytes(48).toString('base64')}`;
export const newRequestId = (): string => `req_011C${base62(20)}`;

/** An opaque base64 blob, like the real `signature` of a thinking block. */
export const newThinkingSignature = (): string => crypto.randomBytes(96).toString('base64');
