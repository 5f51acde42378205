// Store failures business code may act on, raised the same way whichever driver is underneath.

/** A write collided with a unique constraint (e.g. an environment name already used in the workspace). */
export class UniqueViolationError extends Error {
  constructor(
    readonly constraint: string,
    options?: { cause?: unknown },
  ) {
    super(`unique constraint ${constraint} violated`, options);
    this.name = 'UniqueViolationError';
  }
}
