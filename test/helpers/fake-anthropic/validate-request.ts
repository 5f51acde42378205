// Validates a Messages API request body the way the real API does, answering the first problem as a 400 message.
import {
  InvalidRequest,
  fail,
  join,
  optionalBoolean,
  optionalNumber,
  rejectExtraKeys,
  requireRecord,
  requireString,
} from './invalid-request.js';
import {
  checkCacheControl,
  checkNonEmptyText,
  validateMessageBlock,
  validateSystem,
  type ContentContext,
} from './validate-content.js';
import {
  checkMetadata,
  checkPrewarm,
  checkStopSequences,
  checkThinking,
  checkToolChoice,
  checkTools,
} from './validate-params.js';
import { validateTurns, type LocatedBlock, type ParsedMessage } from './validate-turns.js';
import { checkModelSettings } from './validate-model-settings.js';

export type ThinkingProof =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'web_search_result'; encrypted_content: string };

export interface ValidateOptions {
  /** `count_tokens` takes no `max_tokens`/`stream`/sampling fields. Default `messages`. */
  endpoint?: 'messages' | 'count_tokens';
  /** Values of the `anthropic-beta` header(s); `mid-conversation-system-*` admits `role: "system"` messages. */
  betas?: readonly string[];
  /** Whether a thinking/redacted_thinking block in the history is one the model really produced, unaltered. */
  verifyThinking?: (block: ThinkingProof) => boolean;
  /**
   * How many leading `messages` are history a thread holds rather than what the client sent: errors name those
   * `thread.messages.<i>`, and the client's own from `messages.0`.
   */
  historyLength?: number;
}

export type ValidationResult = { ok: true } | { ok: false; message: string };

export const MAX_CACHE_BREAKPOINTS = 4;

const CREATE_KEYS = [
  'model', 'max_tokens', 'messages', 'billing_policy', 'cache_control', 'compaction', 'container',
  'context_management', 'diagnostics', 'fallback_credit_token', 'fallbacks', 'inference_geo', 'mcp_servers',
  'metadata', 'output_config', 'output_format', 'service_tier', 'speed', 'stop_sequences', 'stream', 'system',
  'thinking', 'thread', 'tool_choice', 'tools',
  // Sampling knobs: gone from the SDK's types and removed on the newest models, still accepted by older ones.
  'temperature', 'top_k', 'top_p',
] as const;

const COUNT_TOKENS_KEYS = [
  'model', 'messages', 'billing_policy', 'cache_control', 'compaction', 'context_management', 'mcp_servers',
  'output_config', 'output_format', 'speed', 'system', 'thinking', 'tool_choice', 'tools',
] as const;

/** Returns `{ ok: false, message }` with the first problem, located like the API's own messages. */
export function validateRequest(body: unknown, options: ValidateOptions = {}): ValidationResult {
  try {
    check(body, options);
    return { ok: true };
  } catch (err) {
    if (err instanceof InvalidRequest) return { ok: false, message: err.message };
    throw err;
  }
}

function check(raw: unknown, options: ValidateOptions): void {
  const endpoint = options.endpoint ?? 'messages';
  const body = requireRecord(raw, '');
  rejectExtraKeys(body, endpoint === 'messages' ? CREATE_KEYS : COUNT_TOKENS_KEYS, '');

  const model = requireString(body, 'model', '');
  if (model.length === 0) fail('model', 'String should have at least 1 character');

  let maxTokens: number | undefined;
  if (endpoint === 'messages') {
    const mt = body['max_tokens'];
    if (mt === undefined) fail('max_tokens', 'Field required');
    if (typeof mt !== 'number' || !Number.isInteger(mt)) fail('max_tokens', 'Input should be a valid integer');
    maxTokens = mt as number;
    if (maxTokens < 0) fail('max_tokens', 'Input should be greater than or equal to 0');
    optionalBoolean(body, 'stream', '');
    optionalNumber(body, 'temperature', '', 0, 1);
    optionalNumber(body, 'top_p', '', 0, 1);
    optionalNumber(body, 'top_k', '', 0, Number.MAX_SAFE_INTEGER);
    checkStopSequences(body['stop_sequences']);
    checkMetadata(body['metadata']);
  }

  checkModelSettings(body, model, options.betas ?? []);

  const rawMessages = body['messages'];
  if (rawMessages === undefined) fail('messages', 'Field required');
  if (!Array.isArray(rawMessages)) fail('messages', 'Input should be a valid list');
  const list = rawMessages as unknown[];
  if (list.length === 0) fail('messages', 'List should have at least 1 item after validation, not 0');

  // cache_control is collected in render order: tools, then system, then messages.
  const toolsCtx: ContentContext = { breakpoints: [] };
  const systemCtx: ContentContext = { breakpoints: [] };
  const messagesCtx: ContentContext = { breakpoints: [] };

  const midConversationSystem = (options.betas ?? []).some((b) => b.startsWith('mid-conversation-system-'));
  const held = options.historyLength ?? 0;
  const locOf = (i: number) => (i < held ? `thread.messages.${i}` : `messages.${i - held}`);
  const parsed = list.map((m, i) => parseMessage(m, i, locOf(i), i === list.length - 1, midConversationSystem, messagesCtx));

  const toolNames = checkTools(body['tools'], toolsCtx);
  validateSystem(body['system'], systemCtx);
  const thinkingType = checkThinking(body['thinking'], maxTokens);
  checkToolChoice(body['tool_choice'], thinkingType);

  const topLevel: ContentContext = { breakpoints: [] };
  checkCacheControl(body, '', topLevel); // automatic caching takes one of the four slots
  const breakpoints = [...toolsCtx.breakpoints, ...systemCtx.breakpoints, ...messagesCtx.breakpoints, ...topLevel.breakpoints];
  if (breakpoints.length > MAX_CACHE_BREAKPOINTS) {
    fail('', `A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${breakpoints.length}.`);
  }
  const firstShort = breakpoints.findIndex((b) => b.ttl === '5m');
  const lateLong = firstShort >= 0 ? breakpoints.slice(firstShort).find((b) => b.ttl === '1h') : undefined;
  if (lateLong) {
    fail(
      lateLong.loc,
      "a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. " +
        'Note that blocks are processed in the following order: `tools`, `system`, `messages`.',
    );
  }

  validateTurns(parsed, { thinkingEnabled: thinkingType === 'enabled', hasTools: toolNames.length > 0, toolNames });

  if (options.verifyThinking) checkThinkingProofs(parsed, options.verifyThinking);

  if (maxTokens === 0) checkPrewarm(body, thinkingType);
}

function parseMessage(
  raw: unknown,
  i: number,
  loc: string,
  isLast: boolean,
  allowSystem: boolean,
  ctx: ContentContext,
): ParsedMessage {
  const msg = requireRecord(raw, loc);
  const role = msg['role'];
  if (role === undefined) fail(join(loc, 'role'), 'Field required');
  if (role === 'system' && allowSystem) {
    rejectExtraKeys(msg, ['role', 'content', 'clear_at', 'output_config'], loc);
    return { index: i, loc, role: 'system', blocks: parseSystemMessageContent(msg['content'], join(loc, 'content')) };
  }
  if (role !== 'user' && role !== 'assistant') fail(join(loc, 'role'), "Input should be 'user' or 'assistant'");
  const r = role as 'user' | 'assistant';
  rejectExtraKeys(msg, ['role', 'content'], loc);
  const content = msg['content'];
  const cloc = join(loc, 'content');
  if (content === undefined) fail(cloc, 'Field required');
  if (typeof content === 'string') {
    if (content.length === 0) return { index: i, loc, role: r, blocks: [] };
    // A final assistant prefill is held to the trailing-whitespace rule instead (see validateTurns).
    if (!(isLast && r === 'assistant')) checkNonEmptyText(content, cloc);
    return { index: i, loc, role: r, blocks: [{ block: { type: 'text', text: content }, loc: cloc }] };
  }
  if (!Array.isArray(content)) fail(cloc, 'Input should be a valid string or list');
  const blocks: LocatedBlock[] = (content as unknown[]).map((b, j) => {
    const bloc = join(cloc, j);
    return { block: validateMessageBlock(b, bloc, r, ctx), loc: bloc };
  });
  return { index: i, loc, role: r, blocks };
}

function parseSystemMessageContent(content: unknown, loc: string): LocatedBlock[] {
  if (typeof content === 'string') {
    checkNonEmptyText(content, loc);
    return [{ block: { type: 'text', text: content }, loc }];
  }
  if (!Array.isArray(content) || content.length === 0) fail(loc, 'a `system` message must have non-empty text content');
  return (content as unknown[]).map((b, j) => {
    const bloc = join(loc, j);
    const block = requireRecord(b, bloc);
    if (block['type'] !== 'text' && block['type'] !== 'tool_addition' && block['type'] !== 'tool_removal') {
      fail(join(bloc, 'type'), 'a `system` message may only contain text');
    }
    if (block['type'] === 'text') checkNonEmptyText(requireString(block, 'text', bloc), bloc);
    return { block, loc: bloc };
  });
}

function checkThinkingProofs(messages: readonly ParsedMessage[], verify: (b: ThinkingProof) => boolean): void {
  for (const m of messages) {
    if (m.role !== 'assistant') continue;
    for (const { block, loc } of m.blocks) {
      if (block['type'] === 'thinking') {
        const proof = { type: 'thinking', thinking: block['thinking'] as string, signature: block['signature'] as string } as const;
        if (!verify(proof)) fail(loc, 'Invalid `signature` in `thinking` block');
      } else if (block['type'] === 'redacted_thinking') {
        if (!verify({ type: 'redacted_thinking', data: block['data'] as string })) fail(loc, 'Invalid `data` in `redacted_thinking` block');
      } else if (block['type'] === 'web_search_tool_result' && Array.isArray(block['content'])) {
        (block['content'] as Array<Record<string, unknown>>).forEach((r, k) => {
          if (!verify({ type: 'web_search_result', encrypted_content: r['encrypted_content'] as string })) {
            fail(`${loc}.content.${k}.encrypted_content`, 'Invalid `encrypted_content` in `web_search_result` block');
          }
        });
      }
    }
  }
}
