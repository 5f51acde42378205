// Shape checks for content blocks (messages, tool_result content, system) and cache_control markers.
import {
  fail,
  isRecord,
  join,
  optionalBoolean,
  optionalString,
  rejectExtraKeys,
  requireRecord,
  requireString,
  type Json,
} from './invalid-request.js';

/** Every request content block type the SDK (`BetaContentBlockParam`) knows. */
const MESSAGE_BLOCK_TYPES = [
  'text',
  'image',
  'document',
  'search_result',
  'thinking',
  'redacted_thinking',
  'tool_use',
  'tool_result',
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'advisor_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'tool_search_tool_result',
  'mcp_tool_use',
  'mcp_tool_result',
  'container_upload',
  'compaction',
  'tool_addition',
  'tool_removal',
  'mcp_tool_listing',
  'fallback',
] as const;

/** What a `tool_result`'s `content` array may hold (`BetaToolResultBlockParam.content`). */
const TOOL_RESULT_CONTENT_TYPES = ['text', 'image', 'search_result', 'document', 'tool_reference', 'browser_state'] as const;

/** Blocks only the model writes, so only an assistant turn may carry them back. */
const ASSISTANT_ONLY = new Set(['thinking', 'redacted_thinking', 'tool_use', 'server_tool_use', 'mcp_tool_use', 'web_search_tool_result', 'web_fetch_tool_result']);
const SERVER_TOOL_USE_ID = /^srvtoolu_[a-zA-Z0-9_]+$/;
const SERVER_TOOL_NAMES = ['advisor', 'web_search', 'web_fetch', 'code_execution', 'bash_code_execution', 'text_editor_code_execution', 'tool_search_tool_regex', 'tool_search_tool_bm25'];
const USER_ONLY = new Set(['tool_result']);

const TOOL_USE_ID = /^[a-zA-Z0-9_-]+$/;

export interface CacheBreakpoint {
  loc: string;
  ttl: '5m' | '1h';
}

/** Collected while walking the request, in render order (tools → system → messages). */
export interface ContentContext {
  breakpoints: CacheBreakpoint[];
}

export function checkCacheControl(obj: Json, loc: string, ctx: ContentContext): void {
  const cc = obj['cache_control'];
  if (cc === undefined || cc === null) return;
  const ccLoc = join(loc, 'cache_control');
  const rec = requireRecord(cc, ccLoc);
  rejectExtraKeys(rec, ['type', 'ttl'], ccLoc);
  if (rec['type'] !== 'ephemeral') fail(join(ccLoc, 'type'), "Input should be 'ephemeral'");
  const ttl = rec['ttl'] ?? '5m';
  if (ttl !== '5m' && ttl !== '1h') fail(join(ccLoc, 'ttl'), "Input should be '5m' or '1h'");
  ctx.breakpoints.push({ loc: ccLoc, ttl: ttl as '5m' | '1h' });
}

/** The text checks the API applies to any text block, wherever it sits. */
export function checkNonEmptyText(text: string, loc: string): void {
  if (text.length === 0) fail(loc, 'text content blocks must be non-empty');
  if (text.trim().length === 0) fail(loc, 'text content blocks must contain non-whitespace text');
}

function validateTextBlock(block: Json, loc: string, ctx: ContentContext): void {
  rejectExtraKeys(block, ['type', 'text', 'cache_control', 'citations'], loc);
  const text = requireString(block, 'text', loc);
  const citations = block['citations'];
  if (citations !== undefined && citations !== null && !Array.isArray(citations)) {
    fail(join(loc, 'citations'), 'Input should be a valid list');
  }
  checkNonEmptyText(text, loc);
  checkCacheControl(block, loc, ctx);
}

function requireBlockType(block: Json, loc: string, allowed: readonly string[]): string {
  const type = block['type'];
  if (type === undefined) fail(join(loc, 'type'), 'Field required');
  if (typeof type !== 'string' || !allowed.includes(type)) {
    const tags = allowed.map((t) => `'${t}'`).join(', ');
    fail(join(loc, 'type'), `Input tag '${String(type)}' found using 'type' does not match any of the expected tags: ${tags}`);
  }
  return type as string;
}

function validateToolResultContent(content: unknown, loc: string, ctx: ContentContext): void {
  if (content === undefined || typeof content === 'string') return;
  if (!Array.isArray(content)) fail(loc, 'Input should be a valid string or list');
  (content as unknown[]).forEach((raw, i) => {
    const bloc = join(loc, i);
    const block = requireRecord(raw, bloc);
    const type = requireBlockType(block, bloc, TOOL_RESULT_CONTENT_TYPES);
    if (type === 'text') validateTextBlock(block, bloc, ctx);
    else checkCacheControl(block, bloc, ctx);
  });
}

function requireServerToolUseId(block: Json, loc: string): void {
  const id = requireString(block, 'tool_use_id', loc);
  if (!SERVER_TOOL_USE_ID.test(id)) fail(join(loc, 'tool_use_id'), `String should match pattern '${SERVER_TOOL_USE_ID.source}'`);
}

/** `BetaWebSearchToolResultBlockParam`: a list of hits (replayed unedited, see validate-request) or an error. */
function validateWebSearchResult(block: Json, loc: string): void {
  rejectExtraKeys(block, ['type', 'tool_use_id', 'content', 'cache_control', 'caller'], loc);
  requireServerToolUseId(block, loc);
  const content = block['content'];
  const cloc = join(loc, 'content');
  if (Array.isArray(content)) {
    content.forEach((raw, i) => {
      const hloc = join(cloc, i);
      const hit = requireRecord(raw, hloc);
      rejectExtraKeys(hit, ['type', 'url', 'title', 'encrypted_content', 'page_age'], hloc);
      if (hit['type'] !== 'web_search_result') fail(join(hloc, 'type'), "Input should be 'web_search_result'");
      requireString(hit, 'url', hloc);
      requireString(hit, 'title', hloc);
      requireString(hit, 'encrypted_content', hloc);
      optionalString(hit, 'page_age', hloc);
    });
    return;
  }
  const err = requireRecord(content, cloc);
  rejectExtraKeys(err, ['type', 'error_code'], cloc);
  if (err['type'] !== 'web_search_tool_result_error') fail(join(cloc, 'type'), "Input should be 'web_search_tool_result_error'");
  requireString(err, 'error_code', cloc);
}

/** `BetaWebFetchToolResultBlockParam`: the fetched document or an error. */
function validateWebFetchResult(block: Json, loc: string): void {
  rejectExtraKeys(block, ['type', 'tool_use_id', 'content', 'cache_control', 'caller'], loc);
  requireServerToolUseId(block, loc);
  const cloc = join(loc, 'content');
  const content = requireRecord(block['content'], cloc);
  if (content['type'] === 'web_fetch_tool_result_error') {
    rejectExtraKeys(content, ['type', 'error_code'], cloc);
    requireString(content, 'error_code', cloc);
    return;
  }
  if (content['type'] !== 'web_fetch_result') fail(join(cloc, 'type'), "Input should be 'web_fetch_result' or 'web_fetch_tool_result_error'");
  rejectExtraKeys(content, ['type', 'url', 'content', 'retrieved_at'], cloc);
  requireString(content, 'url', cloc);
  optionalString(content, 'retrieved_at', cloc);
  const dloc = join(cloc, 'content');
  const doc = requireRecord(content['content'], dloc);
  rejectExtraKeys(doc, ['type', 'source', 'title', 'citations', 'context', 'cache_control'], dloc);
  if (doc['type'] !== 'document') fail(join(dloc, 'type'), "Input should be 'document'");
  requireRecord(doc['source'], join(dloc, 'source'));
}

/** Validates one block of `messages[i].content` and returns it; `role` decides which types may appear. */
export function validateMessageBlock(raw: unknown, loc: string, role: 'user' | 'assistant', ctx: ContentContext): Json {
  const block = requireRecord(raw, loc);
  const type = requireBlockType(block, loc, MESSAGE_BLOCK_TYPES);
  if (role === 'user' && ASSISTANT_ONLY.has(type)) fail(loc, `\`${type}\` blocks can only appear in \`assistant\` messages`);
  if (role === 'assistant' && USER_ONLY.has(type)) fail(loc, `\`${type}\` blocks can only appear in \`user\` messages`);
  switch (type) {
    case 'text':
      validateTextBlock(block, loc, ctx);
      break;
    case 'thinking':
      rejectExtraKeys(block, ['type', 'thinking', 'signature'], loc);
      requireString(block, 'thinking', loc);
      requireString(block, 'signature', loc);
      break;
    case 'redacted_thinking':
      rejectExtraKeys(block, ['type', 'data'], loc);
      requireString(block, 'data', loc);
      break;
    case 'tool_use': {
      rejectExtraKeys(block, ['type', 'id', 'name', 'input', 'cache_control', 'caller', 'toolset_name'], loc);
      const id = requireString(block, 'id', loc);
      if (!TOOL_USE_ID.test(id)) fail(join(loc, 'id'), `String should match pattern '${TOOL_USE_ID.source}'`);
      const name = requireString(block, 'name', loc);
      if (name.length === 0) fail(join(loc, 'name'), 'String should have at least 1 character');
      if (!('input' in block)) fail(join(loc, 'input'), 'Field required');
      if (!isRecord(block['input'])) fail(join(loc, 'input'), 'Input should be a valid dictionary');
      optionalString(block, 'toolset_name', loc);
      checkCacheControl(block, loc, ctx);
      break;
    }
    case 'tool_result': {
      rejectExtraKeys(block, ['type', 'tool_use_id', 'content', 'is_error', 'cache_control', 'toolset_name'], loc);
      const id = requireString(block, 'tool_use_id', loc);
      if (!TOOL_USE_ID.test(id)) fail(join(loc, 'tool_use_id'), `String should match pattern '${TOOL_USE_ID.source}'`);
      optionalBoolean(block, 'is_error', loc);
      optionalString(block, 'toolset_name', loc);
      validateToolResultContent(block['content'], join(loc, 'content'), ctx);
      checkCacheControl(block, loc, ctx);
      break;
    }
    case 'image':
      rejectExtraKeys(block, ['type', 'source', 'cache_control', 'transformations'], loc);
      requireRecord(block['source'], join(loc, 'source'));
      checkCacheControl(block, loc, ctx);
      break;
    case 'document':
      rejectExtraKeys(block, ['type', 'source', 'cache_control', 'citations', 'context', 'title'], loc);
      requireRecord(block['source'], join(loc, 'source'));
      checkCacheControl(block, loc, ctx);
      break;
    case 'server_tool_use': {
      rejectExtraKeys(block, ['type', 'id', 'name', 'input', 'cache_control', 'caller'], loc);
      const id = requireString(block, 'id', loc);
      if (!SERVER_TOOL_USE_ID.test(id)) fail(join(loc, 'id'), `String should match pattern '${SERVER_TOOL_USE_ID.source}'`);
      const name = requireString(block, 'name', loc);
      if (!SERVER_TOOL_NAMES.includes(name)) fail(join(loc, 'name'), `Input should be ${SERVER_TOOL_NAMES.map((n) => `'${n}'`).join(', ')}`);
      if (!isRecord(block['input'])) fail(join(loc, 'input'), 'Input should be a valid dictionary');
      checkCacheControl(block, loc, ctx);
      break;
    }
    case 'web_search_tool_result':
      validateWebSearchResult(block, loc);
      checkCacheControl(block, loc, ctx);
      break;
    case 'web_fetch_tool_result':
      validateWebFetchResult(block, loc);
      checkCacheControl(block, loc, ctx);
      break;
    default:
      // Other server-tool and beta blocks: the fake checks only their cache_control; their shapes are the SDK's business.
      checkCacheControl(block, loc, ctx);
  }
  return block;
}

/** `system`: a string, or a list of text blocks. */
export function validateSystem(system: unknown, ctx: ContentContext): void {
  if (system === undefined || typeof system === 'string') return;
  if (!Array.isArray(system)) fail('system', 'Input should be a valid string or list');
  (system as unknown[]).forEach((raw, i) => {
    const loc = `system.${i}`;
    const block = requireRecord(raw, loc);
    requireBlockType(block, loc, ['text']);
    validateTextBlock(block, loc, ctx);
  });
}
