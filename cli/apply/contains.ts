// Whether what the server holds already says what a file asks for. The server fills in defaults
// (an agent's `model: id` becomes `{ id, speed }`, a toolset gains its default configs), so the file
// is compared as a subset: every field it gives must match; fields it leaves out are not compared.

/** Fields that differ, by top-level name (empty: nothing to update). */
export function changedFields(desired: Record<string, unknown>, actual: Record<string, unknown>): string[] {
  return Object.keys(desired).filter((k) => !contains(actual[k], desired[k]));
}

export function contains(actual: unknown, desired: unknown): boolean {
  if (desired === null || desired === undefined) return actual === null || actual === undefined || (Array.isArray(actual) && actual.length === 0);
  // A model given by id: the server's object form names the same id.
  if (typeof desired === 'string' && actual !== null && typeof actual === 'object' && !Array.isArray(actual)) {
    return (actual as { id?: unknown }).id === desired;
  }
  if (Array.isArray(desired)) {
    return Array.isArray(actual) && actual.length === desired.length && desired.every((d, i) => contains(actual[i], d));
  }
  if (typeof desired === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const a = actual as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(([k, v]) => contains(a[k], v));
  }
  return actual === desired;
}
