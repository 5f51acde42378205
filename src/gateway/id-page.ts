// The `before_id` / `after_id` / `limit` pages of the Messages API's list endpoints (models, batches).
import { invalidRequest } from '../errors.js';
import { queryString, type Query } from '../http/query.js';

export interface IdPage<T> {
  data: T[];
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

export interface IdPageRequest {
  limit: number;
  beforeId: string | undefined;
  afterId: string | undefined;
}

export function idPageRequest(q: Query, maxLimit = 1000, defaultLimit = 20): IdPageRequest {
  const rawLimit = queryString(q, 'limit');
  const limit = rawLimit === undefined ? defaultLimit : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) throw invalidRequest(`limit: must be an integer from 1 to ${maxLimit}`);
  const beforeId = queryString(q, 'before_id');
  const afterId = queryString(q, 'after_id');
  if (beforeId !== undefined && afterId !== undefined) throw invalidRequest('before_id and after_id cannot be combined');
  return { limit, beforeId, afterId };
}

/** A page of an in-memory list in its display order. */
export function pageOfList<T extends { id: string }>(items: readonly T[], req: IdPageRequest): IdPage<T> {
  let start = 0;
  let end = items.length;
  if (req.afterId !== undefined) start = items.findIndex((i) => i.id === req.afterId) + 1;
  if (req.beforeId !== undefined) end = Math.max(0, items.findIndex((i) => i.id === req.beforeId));
  const slice = req.beforeId !== undefined ? items.slice(Math.max(start, end - req.limit), end) : items.slice(start, start + req.limit);
  const hasMore = req.beforeId !== undefined ? end - req.limit > start : start + req.limit < end;
  return { data: slice, has_more: hasMore, first_id: slice[0]?.id ?? null, last_id: slice.at(-1)?.id ?? null };
}
