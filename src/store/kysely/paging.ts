// Keyset pagination shared by every list query: stable under concurrent inserts, O(limit).
import type { SelectQueryBuilder } from 'kysely';
import type { CreatedAtFilter, Page, PageRequest } from '../types.js';

type AnyQuery = SelectQueryBuilder<any, any, any>;

/** Orders, bounds and limits `query` by `column` for one page (fetching one extra row to learn hasMore). */
export function pageQuery<Q extends AnyQuery>(query: Q, column: string, page: PageRequest<string | number>): Q {
  const forward = page.cursor === undefined || page.cursor.direction === 'next';
  const order = forward ? page.order : page.order === 'asc' ? 'desc' : 'asc';
  let q: AnyQuery = query;
  if (page.cursor) q = q.where(column, order === 'asc' ? '>' : '<', page.cursor.key);
  return q.orderBy(column, order).limit(page.limit + 1) as Q;
}

export function toPage<Row, T>(rows: Row[], page: PageRequest<string | number>, map: (row: Row) => T): Page<T> {
  const hasMore = rows.length > page.limit;
  const kept = rows.slice(0, page.limit);
  if (page.cursor?.direction === 'prev') kept.reverse();
  return { items: kept.map(map), hasMore };
}

export function whereCreatedAt<Q extends AnyQuery>(query: Q, column: string, f: CreatedAtFilter): Q {
  let q: AnyQuery = query;
  if (f.gt !== undefined) q = q.where(column, '>', f.gt);
  if (f.gte !== undefined) q = q.where(column, '>=', f.gte);
  if (f.lt !== undefined) q = q.where(column, '<', f.lt);
  if (f.lte !== undefined) q = q.where(column, '<=', f.lte);
  return q as Q;
}
