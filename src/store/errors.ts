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

/** A write refused because the session's lease is no longer the writer's (a fenced write). */
export class LeaseLost extends Error {
  constructor(sessionId: string) {
    super(`session ${sessionId}: the lease was taken over by another runner; this one writes nothing more`);
    this.name = 'LeaseLost';
  }
}
