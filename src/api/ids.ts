// Resource id prefixes (the SDK's) and the id generator.
import { randomBytes } from 'node:crypto';

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

function base62(n: bigint, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = ALPHABET[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}

/**
 * `<prefix>_01<time><random>`: the fixed-width time part makes ids sort by creation
 * (ASCII order of the alphabet), which keeps pagination cursors stable and cheap.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  const random = BigInt('0x' + randomBytes(12).toString('hex'));
  return `${prefix}_01${base62(BigInt(now), 8)}${base62(random, 16)}`;
}

export function hasPrefix(id: string, prefix: IdPrefix): boolean {
  return id.startsWith(prefix + '_') && id.length > prefix.length + 1;
}
