// Renews every session lease this engine holds in one pass per interval (AGENTD_LEASE_MS / 3), one statement per
// few hundred sessions, instead of a timer and a statement (a commit, a WAL flush on PostgreSQL) per session: at
// 1,000 live sessions the per-session renewals were the most frequent statement the server sent.
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/types.js';

interface Held {
  token: number;
  /** Called once when a pass finds the lease gone (another replica took the session over). */
  lost: () => void;
}

export interface LeaseRenewalsDeps {
  store: Store;
  owner: string;
  leaseMs: number;
  clock: Clock;
  logger: Logger;
}

export class LeaseRenewals {
  private readonly held = new Map<string, Held>();
  private timer: NodeJS.Timeout | undefined;
  private passing = false;

  constructor(private readonly deps: LeaseRenewalsDeps) {}

  /** Keeps renewing `sessionId`'s lease acquired with `token` until `drop`; `lost` runs if a pass finds it gone. */
  hold(sessionId: string, token: number, lost: () => void): void {
    this.held.set(sessionId, { token, lost });
    if (!this.timer) {
      this.timer = setInterval(() => void this.pass(), Math.max(50, Math.floor(this.deps.leaseMs / 3)));
      this.timer.unref();
    }
  }

  drop(sessionId: string, token: number): void {
    if (this.held.get(sessionId)?.token === token) this.held.delete(sessionId);
    if (this.held.size === 0) this.stop();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One renewal of every held lease (skipped while the previous one is still under way). */
  async pass(): Promise<void> {
    if (this.passing || this.held.size === 0) return;
    this.passing = true;
    const { store, owner, leaseMs, clock, logger } = this.deps;
    const leases = [...this.held].map(([id, h]) => ({ id, token: h.token }));
    try {
      const renewed = await store.sessions.renewLeases(owner, leases, new Date(clock.now() + leaseMs).toISOString());
      for (const { id, token } of leases) {
        const h = this.held.get(id);
        // Still held under the token this pass tried, and not renewed: the lease is gone.
        if (h && h.token === token && !renewed.has(id)) {
          this.held.delete(id);
          h.lost();
        }
      }
    } catch (err) {
      // A failed pass leaves the leases to the next one (they last three intervals).
      logger.error({ err, sessions: leases.length }, 'lease renewal failed');
    } finally {
      this.passing = false;
    }
  }
}
