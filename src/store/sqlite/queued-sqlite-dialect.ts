// Kysely's SQLite dialect with the single connection handed to waiters one at a time, in order. Kysely's own
// driver guards the connection with a lock that wakes every waiter at each release (they all await one promise,
// one wins, the rest await again): with a thousand sessions queued behind open transactions each release cost
// a wake-up per waiter, and the lock was ~5 % of the server's CPU at 1,000 sessions (plus the promises and
// async-hook work of the losers). Here a release resumes exactly the next waiter.
import { SqliteAdapter, SqliteDialect, SqliteDriver, type DatabaseConnection, type DialectAdapter, type Driver, type SqliteDialectConfig } from 'kysely';

/** A first-come, first-served lock whose release hands it straight to the next waiter. */
export class HandoffLock {
  private held = false;
  private readonly waiters: Array<() => void> = [];

  /** Resolves once this caller holds the lock (at once when it is free). */
  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Like `acquire`, but ahead of every waiter: for brief work that must not wait for a long queue. */
  acquireFirst(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.waiters.unshift(resolve));
  }

  /** `acquireFirst`, resolving with the release: holds the connection idle for a log rewind (wal-checkpointer.ts). */
  async holdFirst(): Promise<() => void> {
    await this.acquireFirst();
    return () => this.release();
  }

  /** Gives the lock to the longest waiter, or frees it. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }

  /** Callers waiting for the lock (for tests and diagnostics). */
  get queued(): number {
    return this.waiters.length;
  }
}

/**
 * Kysely's driver behind a handoff lock: the driver's own lock is then only ever taken when free, so it never
 * wakes anyone; transactions, savepoints and statement execution stay Kysely's.
 */
class QueuedSqliteDriver extends SqliteDriver {
  constructor(
    settings: SqliteDialectConfig,
    private readonly lock: HandoffLock,
  ) {
    super(settings);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    await this.lock.acquire();
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    this.lock.release();
  }
}

export class QueuedSqliteDialect extends SqliteDialect {
  /**
   * `lock`: the connection's lock, for a caller that must also hold it while nothing runs on the connection (the
   * background checkpointer's log rewind, wal-checkpointer.ts).
   */
  constructor(
    private readonly settings: SqliteDialectConfig,
    private readonly lock = new HandoffLock(),
  ) {
    super(settings);
  }

  override createDriver(): Driver {
    return new QueuedSqliteDriver(this.settings, this.lock);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/**
 * SQLite runs DDL inside a transaction (Kysely's adapter says it does not, for caution): the migrator then applies
 * every pending migration in one transaction, as on PostgreSQL. A new database's schema is one commit instead of
 * one per statement (~190 on a first start), and a migration that fails leaves no part of itself behind.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
