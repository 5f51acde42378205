// Reading a request: its body (size-capped), JSON, headers, and whether its credentials would pass.
import type { IncomingMessage } from 'node:http';

export const MAX_BODY_BYTES = 32 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<{ raw: string; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  return { raw: size <= MAX_BODY_BYTES ? Buffer.concat(chunks).toString('utf8') : '', tooLarge: size > MAX_BODY_BYTES };
}

export function tryParseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

export function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** Why the request is unauthenticated, or undefined. Either `x-api-key` or `Authorization: Bearer`, not both. */
export function authProblem(headers: Readonly<Record<string, string>>): string | undefined {
  const apiKey = headers['x-api-key']?.trim();
  const auth = headers['authorization']?.trim();
  const bearer = auth !== undefined && /^Bearer\s+\S+/i.test(auth);
  if (auth !== undefined && auth !== '' && !bearer) return 'invalid Authorization header: expected `Bearer <token>`';
  if (apiKey && bearer) return 'both `x-api-key` and `Authorization: Bearer` were sent; send only one';
  if (!apiKey && !bearer) return 'x-api-key header is required';
  return undefined;
}
