// Recognises a unique-constraint violation from either driver without importing one.

/** better-sqlite3 reports `SQLITE_CONSTRAINT_UNIQUE`; pg reports SQLSTATE 23505. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}
