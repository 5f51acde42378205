// The 400 a validator raises, plus the small shape checks every validator module shares.

/** Thrown by the validators; the server answers it as a 400 `invalid_request_error`. */
export class InvalidRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRequest';
  }
}

export function fail(loc: string, message: string): never {
  throw new InvalidRequest(loc ? `${loc}: ${message}` : message);
}

export type Json = Record<string, unknown>;

export const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The API rejects unknown fields (pydantic `extra = forbid`), which catches stray client-side metadata. */
export function rejectExtraKeys(obj: Json, allowed: readonly string[], loc: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail(join(loc, key), 'Extra inputs are not permitted');
  }
}

export function requireRecord(v: unknown, loc: string): Json {
  if (!isRecord(v)) fail(loc, 'Input should be a valid dictionary');
  return v as Json;
}

export function requireString(obj: Json, key: string, loc: string): string {
  const v = obj[key];
  if (v === undefined) fail(join(loc, key), 'Field required');
  if (typeof v !== 'string') fail(join(loc, key), 'Input should be a valid string');
  return v as string;
}

export function optionalString(obj: Json, key: string, loc: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(join(loc, key), 'Input should be a valid string');
  return v as string;
}

export function optionalBoolean(obj: Json, key: string, loc: string): void {
  const v = obj[key];
  if (v !== undefined && typeof v !== 'boolean') fail(join(loc, key), 'Input should be a valid boolean');
}

export function optionalNumber(obj: Json, key: string, loc: string, min: number, max: number): void {
  const v = obj[key];
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(join(loc, key), 'Input should be a valid number');
  const n = v as number;
  if (n < min) fail(join(loc, key), `Input should be greater than or equal to ${min}`);
  if (n > max) fail(join(loc, key), `Input should be less than or equal to ${max}`);
}

export const join = (loc: string, key: string | number): string => (loc ? `${loc}.${key}` : String(key));
