// Parses request input with a zod schema; failures become a 400 naming the offending field.
import type { z } from 'zod';
import { invalidRequest } from '../errors.js';

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, root = ''): z.infer<S> {
  // No body at all is an empty object; an explicit JSON null is not one (refused by the schema like any non-object).
  const result = schema.safeParse(value === undefined ? {} : value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = formatPath([...(root ? [root] : []), ...issue.path]);
  throw invalidRequest(path ? `${path}: ${issue.message}` : issue.message);
}
