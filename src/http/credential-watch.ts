// Revocation ends access (issue 18): a long-lived request — an event stream, a long poll — was
// authenticated once, when it opened. Its credential is re-checked every `intervalMs` (and at
// once after a revocation: a stopped work item, a deleted environment key) with the same checks a
// new request would pass; when they fail, the request is ended. So a stopped work item's session
// token or a deleted environment key stops receiving events within one interval.
import type { FastifyRequest } from 'fastify';

/** Whether `req`'s credential still admits it: authentication and scope, as for a new request. */
export type StillAdmitted = (req: FastifyRequest) => Promise<boolean>;

interface Watched {
  req: FastifyRequest;
  end: () => void;
}

export class CredentialWatch {
  private readonly watched = new Set<Watched>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly stillAdmitted: StillAdmitted,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Ends `end` once `req`'s credential stops admitting it. Returns the function that stops watching. */
  watch(req: FastifyRequest, end: () => void): () => void {
    const entry = { req, end };
    this.watched.add(entry);
    if (!this.timer) {
      this.timer = setInterval(() => void this.recheck(), this.intervalMs);
      this.timer.unref();
    }
    return () => {
      this.watched.delete(entry);
      if (this.watched.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** Re-checks every watched request now (one pass at a time; a call during a pass runs another after it). */
  recheck(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.recheck();
      }
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    for (const entry of [...this.watched]) {
      if (!this.watched.has(entry)) continue;
      let admitted: boolean;
      try {
        admitted = await this.stillAdmitted(entry.req);
      } catch (err) {
        // The check itself failed (e.g. the database is briefly unreachable): keep the stream; try again next pass.
        this.onError(err);
        continue;
      }
      if (!admitted && this.watched.delete(entry)) entry.end();
    }
  }
}
