// SQLite copies its write-ahead log back into the database file ("checkpoints") inside whichever commit takes the
// log past `wal_autocheckpoint` pages: that commit then writes and fsyncs the file, blocking the event loop for
// 5–15 ms (measured on the gateway, where it was most of the p99). Here the server's own connection never
// checkpoints; a worker thread with a connection of its own runs PASSIVE checkpoints (which neither wait for nor
// block readers and writers) every second. One worker per process serves every database file it opened; it starts a
// second after the first one opens, so that its own boot is not part of the server's start.
//
// A PASSIVE checkpoint never lets the log start over while writes keep coming: SQLite rewinds the log only when a
// write begins after a checkpoint that copied every frame, and under steady load a write always lands while the
// checkpoint runs, so the log file grew without end (1.2 GB in 25 s at 1,000 busy sessions). So once the log passes
// `limitFrames` after a checkpoint, the worker asks for a quiet moment: the server takes its connection's lock
// ahead of the queue (waiting only for the transaction under way, never blocking its event loop), the worker runs
// a RESTART checkpoint (the frames written since the last one, and the file's fsync: 0–9 ms at 1,000 busy
// sessions) after which the server's next write starts the log over, and the statements queued meanwhile go on.
// The log's file is rewound in place, not shrunk (TRUNCATE cost 9–34 ms more for 20–56 MB, on every rewind),
// unless it has grown past four times the limit (a burst), whose disk is given back once.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const CHECKPOINT_EVERY_MS = 1000;
/**
 * The worker starts this long after the first file is added: its boot (a Node.js environment of its own, ~40 ms of
 * CPU) stays out of the server's start, and the file's first checkpoint comes when it would have anyway.
 */
const WORKER_START_DELAY_MS = CHECKPOINT_EVERY_MS;
/** SQLite's default: what the server's connection goes back to if the worker is gone. */
const AUTOCHECKPOINT_PAGES = 1000;
/** The log's size (frames of one page each: 16 MiB at SQLite's 4 KiB pages) past which it is rewound. */
const LIMIT_FRAMES = 4096;
/** The log file's size (in pages) past which a rewind also shrinks it. */
const SHRINK_FRAMES = 4 * LIMIT_FRAMES;
/** How long a rewind may hold the server's connection (the worker's own lock wait is far shorter). */
const REWIND_WAIT_MS = 2000;

// Evaluated source rather than a module file: the worker must load the same way from dist/ and from the
// TypeScript sources the tests run, and the driver is passed by its resolved path so it loads from anywhere.
// A file's entry: its connection, its limits, and whether a quiet moment has been asked for and not yet given.
// The worker's connection waits at most 100 ms for a lock (another process's reader, say): a rewind that cannot
// have it leaves the log as it is, and the next round asks again, rather than holding the server's connection.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const Database = require(workerData.driver);
const open = new Map();
const failed = (file, err) => parentPort.postMessage({ failed: file, message: String((err && err.message) || err) });
const logBytes = (file) => { try { return fs.statSync(file + '-wal').size; } catch { return 0; } };
const checkpoint = (file, entry) => {
  try {
    const [result] = entry.db.pragma('wal_checkpoint(PASSIVE)');
    if (!entry.asked && result && result.log >= entry.limitFrames) {
      entry.asked = true;
      parentPort.postMessage({ quiet: file });
    }
  } catch (err) { failed(file, err); }
};
setInterval(() => {
  for (const [file, entry] of open) checkpoint(file, entry);
}, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m.add !== undefined) {
    try {
      const db = new Database(m.add, { fileMustExist: true, timeout: 100 });
      const entry = { db, limitFrames: m.limitFrames, shrinkBytes: m.shrinkFrames * db.pragma('page_size', { simple: true }), asked: false };
      open.set(m.add, entry);
      // The worker starts a round late (startWorkerSoon): a file's first checkpoint comes when it is added.
      checkpoint(m.add, entry);
    } catch (err) { failed(m.add, err); }
  } else if (m.rewind !== undefined) {
    const entry = open.get(m.rewind);
    if (entry) {
      entry.asked = false;
      try { entry.db.pragma('wal_checkpoint(' + (logBytes(m.rewind) > entry.shrinkBytes ? 'TRUNCATE' : 'RESTART') + ')'); }
      catch (err) { failed(m.rewind, err); }
    }
    parentPort.postMessage({ rewound: m.rewind });
  } else if (m.remove !== undefined) {
    const entry = open.get(m.remove);
    open.delete(m.remove);
    if (entry) entry.db.close();
    parentPort.postMessage({ removed: m.remove });
  }
});
`;

interface Connection {
  pragma(source: string): unknown;
}

/**
 * Resolves once nothing runs on the connection and keeps it so (queueing whatever comes) until the function it
 * resolves with is called: the connection's lock taken ahead of its queue (`HandoffLock.holdFirst`, queued-sqlite-dialect.ts).
 */
export type PauseConnection = () => Promise<() => void>;

interface Entry {
  /** The server's connections to the file (tests and restarts may open one file more than once), and their pauses. */
  connections: Map<Connection, PauseConnection>;
  /** Where its log is rewound, and shrunk (the worker's `add` message). */
  limits: { limitFrames: number; shrinkFrames: number };
}

let worker: Worker | undefined;
let starting: NodeJS.Timeout | undefined;
const files = new Map<string, Entry>();
const waiting = new Map<string, () => void>();

/** Hands checkpointing back to the server's connections of `file` (or all files): they checkpoint themselves again. */
function fallBack(file: string | undefined, why: string): void {
  for (const [f, entry] of files) {
    if (file !== undefined && f !== file) continue;
    // The store has no logger of its own; a process warning reaches stderr (and the server's log collector).
    process.emitWarning(`${f}: background checkpoints stopped (${why}); commits checkpoint the log themselves again`, 'SqliteCheckpointWarning');
    for (const c of entry.connections.keys()) c.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  }
}

function startWorker(): Worker {
  const w = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), everyMs: CHECKPOINT_EVERY_MS },
  });
  w.unref();
  w.on('message', (m: { failed?: string; message?: string; removed?: string; quiet?: string; rewound?: string }) => {
    if (m.failed !== undefined) fallBack(m.failed, m.message ?? 'checkpoint failed');
    if (m.quiet !== undefined) void rewindWhenQuiet(w, m.quiet);
    if (m.removed !== undefined) waiting.get(`remove ${m.removed}`)?.();
    if (m.rewound !== undefined) waiting.get(`rewind ${m.rewound}`)?.();
  });
  w.on('error', (err) => fallBack(undefined, err.message));
  w.on('exit', () => {
    if (worker === w) worker = undefined;
    if (files.size > 0) fallBack(undefined, 'the checkpoint worker exited');
    for (const done of waiting.values()) done();
  });
  return w;
}

/** Starts the worker after WORKER_START_DELAY_MS (if files are still open then) and gives it every open file. */
function startWorkerSoon(): void {
  if (worker || starting) return;
  starting = setTimeout(() => {
    starting = undefined;
    if (worker || files.size === 0) return;
    const w = (worker = startWorker());
    for (const [file, entry] of files) w.postMessage({ add: file, ...entry.limits });
  }, WORKER_START_DELAY_MS);
  starting.unref();
}

/**
 * Holds every connection of `file` idle while the worker rewinds its log. A connection's statements wait in its
 * queue meanwhile; none blocks the event loop (the worker holds SQLite's locks only while the server holds its own).
 */
async function rewindWhenQuiet(w: Worker, file: string): Promise<void> {
  const entry = files.get(file);
  if (!entry || worker !== w) return;
  const resumes: Array<() => void> = [];
  try {
    for (const pause of entry.connections.values()) resumes.push(await pause());
    if (worker === w && files.get(file) === entry) await ask({ rewind: file }, REWIND_WAIT_MS);
  } finally {
    for (const resume of resumes) resume();
  }
}

/** Sends `message` to the worker; resolves on its answer (keyed by what was asked and of which file), or after `waitMs`. */
function ask(message: { remove: string } | { rewind: string }, waitMs = 2000): Promise<void> {
  const key = 'remove' in message ? `remove ${message.remove}` : `rewind ${message.rewind}`;
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(), waitMs);
    const finish = () => {
      clearTimeout(timer);
      waiting.delete(key);
      resolve();
    };
    waiting.set(key, finish);
    worker!.postMessage(message);
  });
}

/**
 * Takes `connection`'s checkpoints into the background worker; call the returned function before closing it.
 * `file` must be the database's path (in-memory databases have no log to checkpoint: nothing is done). `pause`
 * holds the connection idle while its log is rewound; `limits` (tests) change where rewinding and shrinking start.
 */
export function checkpointInBackground(
  file: string,
  connection: Connection,
  pause: PauseConnection,
  { limitFrames = LIMIT_FRAMES, shrinkFrames = SHRINK_FRAMES } = {},
): () => Promise<void> {
  if (file === ':memory:' || file === '') return async () => {};
  let entry = files.get(file);
  if (!entry) {
    entry = { connections: new Map(), limits: { limitFrames, shrinkFrames } };
    files.set(file, entry);
    // Until the worker has the file, nothing is checkpointed (the log just grows a little); a failure to open it
    // falls back as any other.
    if (worker) worker.postMessage({ add: file, ...entry.limits });
    else startWorkerSoon();
  }
  entry.connections.set(connection, pause);
  connection.pragma('wal_autocheckpoint = 0');
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    entry.connections.delete(connection);
    if (entry.connections.size > 0) return;
    files.delete(file);
    // Closed before the worker started: a worker due to start finds no file then and does not.
    if (!worker) return;
    await ask({ remove: file });
    if (files.size === 0 && worker) {
      const w = worker;
      worker = undefined;
      await w.terminate();
    }
  };
}
