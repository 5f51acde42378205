// Cursor pagination on the wire: `limit` + opaque `page` in, `data` + `next_page` (+ `prev_page`) out.
import { invalidRequest } from '../errors.js';
import type { Page, PageRequest } from '../store/types.js';

interface Cursor<K> {
  k: K;
  d: 'next' | 'prev';
}

const encode = <K>(c: Cursor<K>) => Buffer.from(JSON.stringify(c)).toString('base64url');

function decode<K extends string | number>(raw: string, keyType: 'string' | 'number'): Cursor<K> {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor<K>;
    if (typeof c.k === keyType && (c.d === 'next' || c.d === 'prev')) return c;
  } catch {
    // fall through to the error below
  }
  throw invalidRequest('page: not a page cursor returned by this API');
}

export interface PageQuery {
  limit?: unknown;
  page?: unknown;
  order?: unknown;
}

export function pageRequest<K extends string | number>(
  q: PageQuery,
  opts: { defaultLimit: number; maxLimit: number; defaultOrder: 'asc' | 'desc'; keyType: 'string' | 'number' },
): PageRequest<K> {
  let limit = opts.defaultLimit;
  if (q.limit !== undefined) {
    limit = Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > opts.maxLimit) {
      throw invalidRequest(`limit: must be an integer from 1 to ${opts.maxLimit}`);
    }
  }
  let order = opts.defaultOrder;
  if (q.order !== undefined) {
    if (q.order !== 'asc' && q.order !== 'desc') throw invalidRequest('order: must be "asc" or "desc"');
    order = q.order;
  }
  const page: PageRequest<K> = { limit, order };
  if (typeof q.page === 'string' && q.page !== '') {
    const c = decode<K>(q.page, opts.keyType);
    page.cursor = { key: c.k, direction: c.d };
  }
  return page;
}

export interface WirePage<T> {
  data: T[];
  next_page: string | null;
  prev_page?: string | null;
}

export function wirePage<R, T, K extends string | number>(
  page: Page<R>,
  req: PageRequest<K>,
  keyOf: (r: R) => K,
  present: (r: R) => T,
  bidirectional = false,
): WirePage<T> {
  const first = page.items[0];
  const last = page.items[page.items.length - 1];
  const movingBack = req.cursor?.direction === 'prev';
  const hasNext = movingBack ? req.cursor !== undefined : page.hasMore;
  const hasPrev = movingBack ? page.hasMore : req.cursor !== undefined;
  const out: WirePage<T> = {
    data: page.items.map(present),
    next_page: hasNext && last !== undefined ? encode({ k: keyOf(last), d: 'next' }) : null,
  };
  if (bidirectional) out.prev_page = hasPrev && first !== undefined ? encode({ k: keyOf(first), d: 'prev' }) : null;
  return out;
}
