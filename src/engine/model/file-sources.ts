// Resolves `source: {type: "file", file_id}` image/document blocks against agentd's Files API before a request
// leaves: every provider gets the bytes inline, so the same request works on Anthropic, Bedrock, Vertex and Foundry.
import type { ModelCallContext, ModelClient } from './model-client.js';

export interface StoredFile {
  mimeType: string;
  sizeBytes: number;
  read(): Promise<Buffer>;
}

/**
 * Finds a readable (unexpired) file of `workspaceId`. Every caller (agent loop, gateway, batches) passes the
 * workspace it acts for; a call without one finds no file.
 */
export type FileLookup = (fileId: string, workspaceId: string | undefined) => Promise<StoredFile | undefined>;

/** A file source that cannot be sent: the request is refused naming the field (the gateway's 400). */
export class FileSourceError extends Error {
  override name = 'FileSourceError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** The Messages API refuses requests over 32 MB; a file that alone exceeds that is refused here, before it is read. */
export const MAX_INLINE_BYTES = 32 * 1024 * 1024;

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const isTextual = (mime: string) => mime.startsWith('text/') || mime === 'application/json';

type Block = Record<string, unknown>;
const isRecord = (v: unknown): v is Block => typeof v === 'object' && v !== null && !Array.isArray(v);

function fileIdOf(block: Block): string | undefined {
  if (block['type'] !== 'image' && block['type'] !== 'document') return undefined;
  const source = block['source'];
  return isRecord(source) && source['type'] === 'file' && typeof source['file_id'] === 'string' ? source['file_id'] : undefined;
}

async function inlined(block: Block, field: string, lookup: FileLookup, workspaceId: string | undefined): Promise<Block> {
  const fileId = fileIdOf(block)!;
  const file = await lookup(fileId, workspaceId);
  if (!file) throw new FileSourceError(`${field}.source.file_id`, `file ${fileId} not found (or expired)`);
  if (file.sizeBytes > MAX_INLINE_BYTES) {
    throw new FileSourceError(`${field}.source.file_id`, `file ${fileId} is ${file.sizeBytes} bytes; the Messages API accepts at most ${MAX_INLINE_BYTES} per request`);
  }
  const mime = file.mimeType.split(';')[0]!.trim().toLowerCase();
  if (block['type'] === 'image') {
    if (!IMAGE_TYPES.has(mime)) {
      throw new FileSourceError(`${field}.source.file_id`, `file ${fileId} is ${mime}; an image must be image/jpeg, image/png, image/gif or image/webp`);
    }
    return { ...block, source: { type: 'base64', media_type: mime, data: (await file.read()).toString('base64') } };
  }
  if (mime === 'application/pdf') {
    return { ...block, source: { type: 'base64', media_type: 'application/pdf', data: (await file.read()).toString('base64') } };
  }
  if (isTextual(mime)) {
    return { ...block, source: { type: 'text', media_type: 'text/plain', data: (await file.read()).toString('utf8') } };
  }
  throw new FileSourceError(`${field}.source.file_id`, `file ${fileId} is ${mime}; a document must be application/pdf or text`);
}

/** `content` with its file sources inlined, or the same array when it has none (no copy on the hot path). */
async function resolveContent(content: unknown, field: string, lookup: FileLookup, workspaceId: string | undefined): Promise<unknown> {
  if (!Array.isArray(content)) return content;
  let out: unknown[] | undefined;
  for (const [i, raw] of content.entries()) {
    if (!isRecord(raw)) continue;
    let next: Block | undefined;
    if (fileIdOf(raw) !== undefined) next = await inlined(raw, `${field}.${i}`, lookup, workspaceId);
    else if (raw['type'] === 'tool_result' && Array.isArray(raw['content'])) {
      const inner = await resolveContent(raw['content'], `${field}.${i}.content`, lookup, workspaceId);
      if (inner !== raw['content']) next = { ...raw, content: inner };
    }
    if (next) {
      out ??= content.slice();
      out[i] = next;
    }
  }
  return out ?? content;
}

/**
 * Whether a content array was found to hold a file source. An agent's history repeats its messages' content arrays
 * request after request (the fold replaces an array rather than edit it), so each is looked through once.
 */
const looked = new WeakMap<unknown[], boolean>();

/** Whether `content` holds a file source (directly or in a tool result): a synchronous look. */
function holdsFileSource(content: unknown): boolean {
  if (!Array.isArray(content)) return false;
  const seen = looked.get(content);
  if (seen !== undefined) return seen;
  const holds = content.some((b) => isRecord(b) && (fileIdOf(b) !== undefined || (b['type'] === 'tool_result' && holdsFileSource(b['content']))));
  looked.set(content, holds);
  return holds;
}

/** `body` with every file source in `messages` inlined; the same object when there are none. */
export async function resolveFileSources<T extends object>(body: T, lookup: FileLookup, workspaceId: string | undefined): Promise<T> {
  const messages = (body as { messages?: unknown }).messages;
  // Most requests have none: looked for without a promise per message (an agent's history grows by
  // two messages per tool call, and every model call of the session sends all of it).
  if (!Array.isArray(messages) || !messages.some((m) => isRecord(m) && holdsFileSource(m['content']))) return body;
  let out: unknown[] | undefined;
  for (const [i, message] of messages.entries()) {
    if (!isRecord(message)) continue;
    const content = await resolveContent(message['content'], `messages.${i}.content`, lookup, workspaceId);
    if (content !== message['content']) {
      out ??= messages.slice();
      out[i] = { ...message, content };
    }
  }
  return out ? { ...body, messages: out } : body;
}

/** Wraps the model client so that every path (agent loop, gateway, batches) sends file sources inline. */
export function withFileSources(inner: ModelClient, lookup: FileLookup): ModelClient {
  const workspace = (context: ModelCallContext | undefined) => context?.workspaceId;
  return {
    complete: async (request, signal, context, observe) =>
      inner.complete(await resolveFileSources(request, lookup, workspace(context)), signal, context, observe),
    stream: async (body, opts) => inner.stream(await resolveFileSources(body, lookup, workspace(opts.context)), opts),
    create: async (body, opts) => inner.create(await resolveFileSources(body, lookup, workspace(opts.context)), opts),
    countTokens: async (body, opts) => inner.countTokens(await resolveFileSources(body, lookup, workspace(opts.context)), opts),
  };
}
