// Reading query-string values the way the SDK writes them (`a[]=x&a[]=y`, `created_at[gte]=...`).
import { invalidRequest } from '../errors.js';
import type { CreatedAtFilter } from '../store/types.js';
import { MAX_INT32 } from '../api/schemas/common.js';

export type Query = Record<string, string | string[] | undefined>;

export function queryString(q: Query, name: string): string | undefined {
  const v = q[name];
  if (Array.isArray(v)) throw invalidRequest(`${name}: expected a single value`);
  return v;
}

export function queryArray(q: Query, name: string): string[] | undefined {
  const v = q[`${name}[]`] ?? q[name];
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter((s) => s !== '');
}

export function queryBoolean(q: Query, name: string): boolean | undefined {
  const v = queryString(q, name);
  if (v === undefined) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw invalidRequest(`${name}: expected "true" or "false"`);
}

export function queryInt(q: Query, name: string): number | undefined {
  const v = queryString(q, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw invalidRequest(`${name}: expected an integer`);
  // Versions and sequence numbers are 32-bit columns: a larger number names nothing (and PostgreSQL refuses it).
  if (Math.abs(n) > MAX_INT32) throw invalidRequest(`${name}: must be at most ${MAX_INT32}`);
  return n;
}

function queryTimestamp(q: Query, name: string): string | undefined {
  const v = queryString(q, name);
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalidRequest(`${name}: expected an ISO-8601 timestamp`);
  return new Date(t).toISOString();
}

export function createdAtFilter(q: Query): CreatedAtFilter {
  return {
    gt: queryTimestamp(q, 'created_at[gt]'),
    gte: queryTimestamp(q, 'created_at[gte]'),
    lt: queryTimestamp(q, 'created_at[lt]'),
    lte: queryTimestamp(q, 'created_at[lte]'),
  };
}
