// Keyset paging and time filters shared by every repository.

/** A keyset page request: `cursor` is the sort key of the item the page starts after (or before). */
export interface PageRequest<K extends string | number = string> {
  limit: number;
  order: 'asc' | 'desc';
  cursor?: { key: K; direction: 'next' | 'prev' } | undefined;
}

export interface Page<T> {
  items: T[];
  /** More items exist beyond this page in the direction of travel. */
  hasMore: boolean;
}

export interface CreatedAtFilter {
  gt?: string | undefined;
  gte?: string | undefined;
  lt?: string | undefined;
  lte?: string | undefined;
}
