// One search's worker thread (grep's regex, glob's patterns): the server's thread stays free, and the worker is
// terminated mid-match when the search is aborted or out of time. Its source posts one message once it is ready,
// then answers each message it is sent with one reply.
import { Worker } from 'node:worker_threads';

export type Ask<Request, Reply> = (request: Request) => Promise<Reply>;

/**
 * Starts the worker and waits for it to be ready: how to ask it, or null when no worker can start here (the caller
 * then searches on this thread; after an abort, it checks `signal` first). A reply lost to the worker's end (abort,
 * crash) rejects with `failure(cause)`.
 */
export async function startSearchWorker<Request, Reply>(
  source: string,
  workerData: unknown,
  signal: AbortSignal,
  failure: (cause: Error) => Error,
): Promise<Ask<Request, Reply> | null> {
  let reply = withResolvers<Reply>();
  const fail = (cause: Error) => {
    reply.promise.catch(() => {});
    reply.reject(failure(cause));
  };
  try {
    const worker = new Worker(source, { eval: true, workerData, env: {}, execArgv: [], stdout: true, stderr: true, resourceLimits: { stackSizeMb: 8 } });
    signal.addEventListener('abort', () => void worker.terminate(), { once: true });
    worker.on('message', (answer: Reply) => {
      reply.resolve(answer);
      reply = withResolvers<Reply>();
    });
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`worker exited with code ${code}`)));
    await reply.promise;
    return (request) => {
      worker.postMessage(request);
      return reply.promise;
    };
  } catch {
    return null;
  }
}

/** Promise.withResolvers, which Node 20 lacks. */
function withResolvers<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (reason: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
