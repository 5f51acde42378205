// Server-held conversations (the `message-threads` beta): `thread: create` stores a reply, `continue` resumes it.
import type { ApiErrorReply } from './api-errors.js';
import { isRecord, type Json } from './invalid-request.js';
import type { WireMessage } from './wire-types.js';

export const THREADS_BETA = 'message-threads-2026-08-12';

/** Stop reasons that leave a turn unfinished: a `continue` may then send no new message at all. */
const RESUMABLE = new Set(['pause_turn', 'compaction']);

interface StoredThread {
  /** The whole conversation up to and including the stored reply, without cache markers. */
  history: unknown[];
  /** The create-only fields, as given when the thread was created (`undefined` when absent). */
  system: unknown;
  tools: unknown;
  stopReason: string | null;
  continued: boolean;
  inFlight: boolean;
}

export type ThreadResolution =
  | { kind: 'unthreaded' }
  | {
      kind: 'threaded';
      /** The request as the model sees it: stored history + new messages, with the thread's system and tools. */
      body: Json;
      historyLength: number;
      /** Store `reply` (sent in full) as the thread's newest response. */
      commit(reply: WireMessage): void;
      /** The request ended without a stored reply; a continue may be retried. */
      release(): void;
    }
  | { kind: 'rejected'; reply: ApiErrorReply };

const reject = (status: 400 | 404, message: string, errorCode?: string, extra: Json = {}): ThreadResolution => ({
  kind: 'rejected',
  reply: {
    status,
    message,
    ...(errorCode ? { details: { error_code: errorCode, ...extra } } : {}),
  },
});

export class ThreadStore {
  private readonly threads = new Map<string, StoredThread>();

  resolve(body: Json, betas: readonly string[]): ThreadResolution {
    const thread = body['thread'];
    if (thread === undefined || thread === null) return { kind: 'unthreaded' };
    if (!betas.includes(THREADS_BETA)) {
      return reject(400, `thread: requires the \`anthropic-beta: ${THREADS_BETA}\` header`);
    }
    if (!isRecord(thread) || (thread['type'] !== 'create' && thread['type'] !== 'continue')) {
      return reject(400, "thread.type: Input tag found using 'type' does not match any of the expected tags: 'create', 'continue'");
    }
    const unsupported = unsupportedFeatures(body);
    if (unsupported.length > 0) {
      return reject(
        400,
        `\`thread\` cannot be combined with: ${unsupported.join(', ')}. Send the full conversation without \`thread\`.`,
        'thread_unsupported_request',
        { unsupported },
      );
    }
    const { thread: _thread, ...rest } = body;

    if (thread['type'] === 'create') {
      return {
        kind: 'threaded',
        body: rest,
        historyLength: 0,
        commit: (reply) => this.store(reply, rest, rest['messages']),
        release: () => {},
      };
    }

    const previousId = thread['previous_message_id'];
    if (typeof previousId !== 'string') return reject(400, 'thread.continue.previous_message_id: Field required');
    const prev = this.threads.get(previousId);
    if (!prev) {
      return reject(404, `No thread state was found for previous_message_id ${previousId}.`, 'thread_not_found');
    }
    if (prev.continued) {
      return reject(400, `The response ${previousId} has already been continued; continue from the thread's latest response.`, 'thread_already_continued');
    }
    if (prev.inFlight) {
      return reject(400, `Another request is still continuing from ${previousId}.`, 'thread_continue_in_flight');
    }
    const changed = (['system', 'tools'] as const).filter(
      (f) => rest[f] !== undefined && JSON.stringify(rest[f]) !== JSON.stringify(prev[f]),
    );
    if (changed.length > 0) {
      return reject(
        400,
        `${changed.map((f) => `\`${f}\``).join(' and ')} differ from the value stored with the thread.`,
        'thread_fingerprint_mismatch',
      );
    }
    const messages = rest['messages'];
    if (Array.isArray(messages) && messages.length === 0 && !RESUMABLE.has(prev.stopReason ?? '')) {
      return reject(400, 'messages: List should have at least 1 item after validation, not 0');
    }
    const effective: Json = { ...rest, messages: Array.isArray(messages) ? [...prev.history, ...messages] : messages };
    if (prev.system !== undefined) effective['system'] = prev.system;
    if (prev.tools !== undefined) effective['tools'] = prev.tools;
    prev.inFlight = true;
    return {
      kind: 'threaded',
      body: effective,
      historyLength: prev.history.length,
      commit: (reply) => {
        prev.inFlight = false;
        prev.continued = true;
        this.store(reply, effective, effective['messages']);
      },
      release: () => {
        prev.inFlight = false;
      },
    };
  }

  private store(reply: WireMessage, body: Json, messages: unknown): void {
    const history = Array.isArray(messages) ? messages.map(withoutCacheControl) : [];
    history.push({ role: 'assistant', content: reply.content });
    this.threads.set(reply.id, {
      history,
      system: body['system'],
      tools: body['tools'],
      stopReason: reply.stop_reason,
      continued: false,
      inFlight: false,
    });
  }
}

/** The request fields the SDK's `ThreadUnsupportedFeatureName` lists that this request sets. */
function unsupportedFeatures(body: Json): string[] {
  const out: string[] = [];
  if (body['cache_control'] != null) out.push('cache_control');
  if (body['context_management'] != null) out.push('context_management');
  if (body['fallbacks'] != null) out.push('fallbacks');
  const thinking = body['thinking'];
  if (isRecord(thinking) && thinking['type'] !== 'disabled') out.push('thinking');
  return out;
}

/** A stored message without its own or its blocks' cache markers: those belonged to the request that sent them. */
function withoutCacheControl(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutCacheControl);
  if (!isRecord(value)) return value;
  const { cache_control: _cc, ...copy } = value;
  if (Array.isArray(copy['content'])) copy['content'] = copy['content'].map(withoutCacheControl);
  return copy;
}
