// SQLite copies its write-ahead log back into the database file ("checkpoints") inside whichever commit takes the
// log past `wal_autocheckpoint` pages: that commit then writes and fsyncs the file, blocking the event loop for
// 5–15 ms (measured on the gateway, where it was most of the p99). Here the server's own connection never
// checkpoints; a worker thread with a connection of its own runs PASSIVE checkpoints (which neither wait for nor
// block readers and writers) every second. One worker per process serves every database file it opened.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const CHECKPOINT_EVERY_MS = 1000;
/** SQLite's default: what the server's connection goes back to if the worker is gone. */
const AUTOCHECKPOINT_PAGES = 1000;

// Evaluated source rather than a module file: the worker must load the same way from dist/ and from the
// TypeScript sources the tests run, and the driver is passed by its resolved path so it loads from anywhere.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const open = new Map();
setInterval(() => {
  for (const [file, db] of open) {
    try { db.pragma('wal_checkpoint(PASSIVE)'); }
    catch (err) { parentPort.postMessage({ failed: file, message: String((err && err.message) || err) }); }
  }
}, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m.add !== undefined) {
    try { open.set(m.add, new Database(m.add, { fileMustExist: true })); }
    catch (err) { parentPort.postMessage({ failed: m.add, message: String((err && err.message) || err) }); }
  } else if (m.remove !== undefined) {
    const db = open.get(m.remove);
    open.delete(m.remove);
    if (db) db.close();
    parentPort.postMessage({ removed: m.remove });
  }
});
`;

interface Connection {
  pragma(source: string): unknown;
}

interface Entry {
  /** The server's connections to the file (tests and restarts may open one file more than once). */
  connections: Set<Connection>;
}

let worker: Worker | undefined;
const files = new Map<string, Entry>();
const waiting = new Map<string, () => void>();

/** Hands checkpointing back to the server's connections of `file` (or all files): they checkpoint themselves again. */
function fallBack(file: string | undefined, why: string): void {
  for (const [f, entry] of files) {
    if (file !== undefined && f !== file) continue;
    // The store has no logger of its own; a process warning reaches stderr (and the server's log collector).
    process.emitWarning(`${f}: background checkpoints stopped (${why}); commits checkpoint the log themselves again`, 'SqliteCheckpointWarning');
    for (const c of entry.connections) c.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  }
}

function startWorker(): Worker {
  const w = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), everyMs: CHECKPOINT_EVERY_MS },
  });
  w.unref();
  w.on('message', (m: { failed?: string; message?: string; removed?: string }) => {
    if (m.failed !== undefined) fallBack(m.failed, m.message ?? 'checkpoint failed');
    const key = m.removed ?? m.failed;
    if (key !== undefined) waiting.get(key)?.();
  });
  w.on('error', (err) => fallBack(undefined, err.message));
  w.on('exit', () => {
    if (worker === w) worker = undefined;
    if (files.size > 0) fallBack(undefined, 'the checkpoint worker exited');
    for (const done of waiting.values()) done();
  });
  return w;
}

function ask(file: string, message: { remove: string }): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(), 2000);
    const finish = () => {
      clearTimeout(timer);
      waiting.delete(file);
      resolve();
    };
    waiting.set(file, finish);
    worker!.postMessage(message);
  });
}

/**
 * Takes `connection`'s checkpoints into the background worker; call the returned function before closing it.
 * `file` must be the database's path (in-memory databases have no log to checkpoint: nothing is done).
 */
export function checkpointInBackground(file: string, connection: Connection): () => Promise<void> {
  if (file === ':memory:' || file === '') return async () => {};
  let entry = files.get(file);
  if (!entry) {
    entry = { connections: new Set() };
    files.set(file, entry);
    worker ??= startWorker();
    // Not awaited: start-up does not wait for the thread to boot; until it has, nothing is checkpointed
    // (the log just grows a little), and a failure to open falls back as any other.
    worker.postMessage({ add: file });
  }
  entry.connections.add(connection);
  connection.pragma('wal_autocheckpoint = 0');
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    entry.connections.delete(connection);
    if (entry.connections.size > 0) return;
    files.delete(file);
    if (!worker) return;
    await ask(file, { remove: file });
    if (files.size === 0 && worker) {
      const w = worker;
      worker = undefined;
      await w.terminate();
    }
  };
}
