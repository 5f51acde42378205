// The server's searches (grep, glob) each match on a worker thread of their own; this bounds how many run at once, so
// that sessions searching together cannot use up the server's memory or threads. A search waits for a free slot.
const MAX_SEARCHES = 4;

class Slots {
  private free = MAX_SEARCHES;
  private readonly waiting: Array<() => void> = [];

  take(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(wake), 1);
        resolve(false);
      };
      const wake = () => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      };
      this.waiting.push(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}
export const searchSlots = new Slots();
