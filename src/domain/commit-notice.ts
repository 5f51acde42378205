// What a replica's engine does when it hears of a commit to a session log (issue 14), decided from
// the notification alone, without reading the log (a replica reads the records only for its own
// followers of the session): it reacts only to input, and only for a session it runs now or is the
// preferred starter of. So an added engine replica costs nothing for commits that do not concern it,
// and one replica, not all, tries to take the lease of a session that received input.
import { CLIENT_EVENT_TYPES } from '../api/schemas/event.js';

/** What a commit means to the engines: nothing (output), input, or input with an interrupt. */
export type CommitKind = 'output' | 'input' | 'interrupt';

/** Every client event type gives a session work to do, until the engine marks it processed. */
const WAKING: ReadonlySet<string> = new Set(CLIENT_EVENT_TYPES);

export function commitKind(records: readonly { type: string; processedAt: string | null }[]): CommitKind {
  const waking = records.filter((r) => r.processedAt === null && WAKING.has(r.type));
  if (waking.length === 0) return 'output';
  return waking.some((r) => r.type === 'user.interrupt') ? 'interrupt' : 'input';
}

const FLAGS: Record<CommitKind, string> = { output: 'o', input: 'i', interrupt: 'x' };

/** One letter for the notification payload. */
export const kindFlag = (kind: CommitKind): string => FLAGS[kind];

/**
 * The kind a payload's flag names. A notification without one (a replica of an older version)
 * may carry input: it is treated as input, so the upgrade never loses a wake.
 */
export function parseKindFlag(flag: string | undefined): CommitKind {
  if (flag === 'o') return 'output';
  if (flag === 'x') return 'interrupt';
  return 'input';
}

/** What an engine replica knows when input is committed, all of it in memory. */
export interface EngineView {
  /** This replica's id on the bus. */
  self: string;
  /** Whether this replica runs an engine. */
  engine: boolean;
  /** The other engine replicas heard from recently (their heartbeats). */
  peers: readonly string[];
  /** Whether this replica's engine runs the session now (it holds, or is taking, the lease). */
  runs: boolean;
}

/**
 * Whether this replica's engine should act on a commit: input, for a session it runs (the runner
 * must see it; an interrupt must cut what runs) or is the preferred starter of. Another replica that
 * runs the session acts on it too, so input for a running session is never left to the starter alone.
 */
export function engineWakes(kind: CommitKind, sessionId: string, view: EngineView): boolean {
  if (!view.engine || kind === 'output') return false;
  return view.runs || preferredEngine(sessionId, [view.self, ...view.peers]) === view.self;
}

/**
 * Rendezvous (highest random weight) hashing: every replica that knows the same engines picks the
 * same one for a session, and an engine joining or leaving moves only the sessions it wins or won.
 */
export function preferredEngine(sessionId: string, engines: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const engine of engines) {
    const score = weight(engine, sessionId);
    if (score > bestScore || (score === bestScore && best !== undefined && engine < best)) {
      best = engine;
      bestScore = score;
    }
  }
  return best;
}

/** FNV-1a over both ids, finished with murmur3's mixer so similar ids spread evenly; 0 … 2^32−1. */
function weight(engine: string, sessionId: string): number {
  let h = 0x811c9dc5;
  const key = `${engine}\n${sessionId}`;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
