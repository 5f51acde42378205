// Resource id prefixes (the SDK's) and the id generator.
import { randomFillSync } from 'node:crypto';

export const IdPrefix = {
  agent: 'agent',
  environment: 'env',
  session: 'sesn',
  event: 'sevt',
  file: 'file',
  resource: 'sesrsc',
  outcome: 'outc',
  thread: 'sthr',
  workspace: 'wrkspc',
  request: 'req',
  work: 'work',
  environmentKey: 'envkey',
  /** One model call in the usage ledger. */
  modelCall: 'mcall',
  /** A gateway conversation's listing key (the public id may be a hash or a client's string). */
  conversation: 'conv',
  messageBatch: 'msgbatch',
  memoryStore: 'memstore',
  memory: 'mem',
  memoryVersion: 'memver',
  skill: 'skill',
  deployment: 'depl',
  deploymentRun: 'drun',
  /** A webhook event (the envelope's id, as documented: `event_…`), an endpoint, one delivery of an event to an endpoint. */
  webhookEvent: 'event',
  webhookEndpoint: 'whep',
  webhookDelivery: 'whdel',
  vault: 'vlt',
  credential: 'vcrd',
  telemetryDestination: 'tdst',
} as const;
export type IdPrefix = (typeof IdPrefix)[keyof typeof IdPrefix];

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `n` (a non-negative integer below 2^53) as `width` base-62 digits, most significant first. */
function base62(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

// Random bytes are drawn from the system a pool at a time: ids are made on every request and ledger row.
const pool = Buffer.alloc(4096);
let poolAt = pool.length;

/** `width` uniformly random base-62 digits (bytes of 248 and above are skipped: 248 = 4 × 62, so no digit is favoured). */
function randomDigits(width: number): string {
  let out = '';
  while (out.length < width) {
    if (poolAt === pool.length) {
      randomFillSync(pool);
      poolAt = 0;
    }
    const byte = pool[poolAt++]!;
    if (byte < 248) out += ALPHABET[byte % 62];
  }
  return out;
}

/**
 * `<prefix>_01<time><random>`: the fixed-width time part makes ids sort by creation
 * (ASCII order of the alphabet), which keeps pagination cursors stable and cheap.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  return `${prefix}_01${base62(now, 8)}${randomDigits(16)}`;
}

export function hasPrefix(id: string, prefix: IdPrefix): boolean {
  return id.startsWith(prefix + '_') && id.length > prefix.length + 1;
}
