// Checks of the request's top-level parameters: tools, tool_choice, thinking, sampling and pre-warm options.
import {
  fail,
  isRecord,
  optionalBoolean,
  optionalString,
  rejectExtraKeys,
  requireRecord,
  requireString,
  type Json,
} from './invalid-request.js';
import { checkCacheControl, type ContentContext } from './validate-content.js';

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
const CUSTOM_TOOL_KEYS = [
  'type', 'name', 'input_schema', 'description', 'cache_control', 'allowed_callers', 'defer_loading',
  'eager_input_streaming', 'input_examples', 'strict',
];

const WEB_COMMON_KEYS = ['type', 'name', 'allowed_domains', 'blocked_domains', 'cache_control', 'max_uses', 'allowed_callers', 'defer_loading', 'strict'];
/** The web search and web fetch server tool versions (the SDK's BetaWebSearchTool* / BetaWebFetchTool*) and their fields. */
const WEB_TOOL_KEYS: Record<string, string[]> = {
  web_search_20250305: [...WEB_COMMON_KEYS, 'user_location'],
  web_search_20260209: [...WEB_COMMON_KEYS, 'user_location'],
  web_fetch_20250910: [...WEB_COMMON_KEYS, 'citations', 'max_content_tokens', 'url_sources'],
  web_fetch_20260209: [...WEB_COMMON_KEYS, 'citations', 'max_content_tokens', 'url_sources'],
};

function positiveInt(tool: Json, key: string, loc: string): void {
  const v = tool[key];
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${loc}.${key}`, 'Input should be a valid integer');
  if ((v as number) < 1) fail(`${loc}.${key}`, 'Input should be greater than 0');
}

/** A web search / web fetch server tool: its name is fixed, its filters exclusive and non-empty. */
function checkWebTool(tool: Json, type: string, loc: string): string {
  rejectExtraKeys(tool, WEB_TOOL_KEYS[type]!, loc);
  const expected = type.startsWith('web_search') ? 'web_search' : 'web_fetch';
  if (tool['name'] !== expected) fail(`${loc}.name`, `Input should be '${expected}'`);
  for (const key of ['allowed_domains', 'blocked_domains']) {
    const list = tool[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) fail(`${loc}.${key}`, 'Input should be a valid list');
    (list as unknown[]).forEach((d, i) => {
      if (typeof d !== 'string' || d.length === 0) fail(`${loc}.${key}.${i}`, 'Input should be a valid string');
    });
  }
  const has = (key: string) => tool[key] !== undefined && tool[key] !== null;
  if (has('allowed_domains') && has('blocked_domains')) fail(loc, 'Only one of allowed_domains or blocked_domains may be provided');
  positiveInt(tool, 'max_uses', loc);
  positiveInt(tool, 'max_content_tokens', loc);
  if (has('user_location')) {
    const ul = requireRecord(tool['user_location'], `${loc}.user_location`);
    rejectExtraKeys(ul, ['type', 'city', 'region', 'country', 'timezone'], `${loc}.user_location`);
    if (ul['type'] !== 'approximate') fail(`${loc}.user_location.type`, "Input should be 'approximate'");
    for (const k of ['city', 'region', 'country', 'timezone']) {
      const v = ul[k];
      if (v !== undefined && v !== null && (typeof v !== 'string' || v.length === 0)) fail(`${loc}.user_location.${k}`, 'Input should be a non-empty string');
    }
    const country = ul['country'];
    if (typeof country === 'string' && !/^[A-Z]{2}$/.test(country)) fail(`${loc}.user_location.country`, 'String should be a two-letter ISO 3166-1 country code');
  }
  return expected;
}

/** Validates `tools` and returns the names it defines. */
export function checkTools(tools: unknown, ctx: ContentContext): string[] {
  if (tools === undefined) return [];
  if (!Array.isArray(tools)) fail('tools', 'Input should be a valid list');
  const names: string[] = [];
  (tools as unknown[]).forEach((raw, i) => {
    const loc = `tools.${i}`;
    const tool = requireRecord(raw, loc);
    const type = tool['type'];
    if (type === undefined || type === null || type === 'custom') {
      const cloc = `${loc}.custom`;
      rejectExtraKeys(tool, CUSTOM_TOOL_KEYS, cloc);
      const name = requireString(tool, 'name', cloc);
      if (!TOOL_NAME.test(name)) fail(`${cloc}.name`, `String should match pattern '${TOOL_NAME.source}'`);
      optionalString(tool, 'description', cloc);
      if (tool['input_schema'] === undefined) fail(`${cloc}.input_schema`, 'Field required');
      const schema = requireRecord(tool['input_schema'], `${cloc}.input_schema`);
      if (schema['type'] !== 'object') fail(`${cloc}.input_schema.type`, "Input should be 'object'");
      names.push(name);
    } else if (typeof type === 'string' && WEB_TOOL_KEYS[type] !== undefined) {
      names.push(checkWebTool(tool, type, `${loc}.${type}`));
    } else {
      if (typeof type !== 'string') fail(`${loc}.type`, 'Input should be a valid string');
      // Versioned server/client tools: the SDK owns their shapes; the name still has to be unique.
      const name = typeof tool['name'] === 'string' ? tool['name'] : tool['mcp_server_name'];
      if (typeof name === 'string') names.push(name);
    }
    checkCacheControl(tool, loc, ctx);
  });
  if (new Set(names).size !== names.length) fail('tools', 'Tool names must be unique.');
  return names;
}

export function checkToolChoice(choice: unknown, thinkingType: string | undefined): void {
  if (choice === undefined) return;
  const tc = requireRecord(choice, 'tool_choice');
  const type = tc['type'];
  if (type !== 'auto' && type !== 'any' && type !== 'tool' && type !== 'none') {
    fail('tool_choice.type', "Input tag found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'");
  }
  rejectExtraKeys(tc, type === 'tool' ? ['type', 'name', 'disable_parallel_tool_use'] : type === 'none' ? ['type'] : ['type', 'disable_parallel_tool_use'], `tool_choice.${String(type)}`);
  if (type === 'tool') requireString(tc, 'name', 'tool_choice.tool');
  optionalBoolean(tc, 'disable_parallel_tool_use', 'tool_choice');
  if ((thinkingType === 'enabled' || thinkingType === 'adaptive') && (type === 'any' || type === 'tool')) {
    fail('', 'Thinking may not be enabled when tool_choice forces tool use.');
  }
}

/** Validates `thinking` and returns its type. */
export function checkThinking(thinking: unknown, maxTokens: number | undefined): string | undefined {
  if (thinking === undefined) return undefined;
  const t = requireRecord(thinking, 'thinking');
  const type = t['type'];
  switch (type) {
    case 'enabled': {
      rejectExtraKeys(t, ['type', 'budget_tokens', 'block_binding', 'display'], 'thinking.enabled');
      const budget = t['budget_tokens'];
      if (budget === undefined) fail('thinking.enabled.budget_tokens', 'Field required');
      if (typeof budget !== 'number' || !Number.isInteger(budget)) fail('thinking.enabled.budget_tokens', 'Input should be a valid integer');
      if ((budget as number) < 1024) fail('thinking.enabled.budget_tokens', 'Input should be greater than or equal to 1024');
      if (maxTokens !== undefined && maxTokens !== 0 && maxTokens <= (budget as number)) {
        fail('', '`max_tokens` must be greater than `thinking.budget_tokens`.');
      }
      break;
    }
    case 'adaptive':
      rejectExtraKeys(t, ['type', 'block_binding', 'display'], 'thinking.adaptive');
      break;
    case 'disabled':
    case 'between_tools':
      rejectExtraKeys(t, ['type'], `thinking.${type}`);
      break;
    default:
      fail(
        'thinking.type',
        `Input tag '${String(type)}' found using 'type' does not match any of the expected tags: 'enabled', 'disabled', 'adaptive', 'between_tools'`,
      );
  }
  return type as string;
}

export function checkStopSequences(v: unknown): void {
  if (v === undefined) return;
  if (!Array.isArray(v)) fail('stop_sequences', 'Input should be a valid list');
  (v as unknown[]).forEach((s, i) => {
    if (typeof s !== 'string') fail(`stop_sequences.${i}`, 'Input should be a valid string');
  });
}

export function checkMetadata(v: unknown): void {
  if (v === undefined) return;
  const m = requireRecord(v, 'metadata');
  rejectExtraKeys(m, ['user_id'], 'metadata');
  optionalString(m, 'user_id', 'metadata');
}

/** `max_tokens: 0` pre-warms the cache; the documented incompatible combinations are rejected. */
export function checkPrewarm(body: Json, thinkingType: string | undefined): void {
  const reject = (what: string) => fail('max_tokens', `\`max_tokens: 0\` (cache pre-warming) cannot be combined with ${what}`);
  if (body['stream'] === true) reject('`stream: true`');
  if (thinkingType === 'enabled') reject('`thinking.type: "enabled"`');
  const oc = body['output_config'];
  if (isRecord(oc) && oc['format'] !== undefined && oc['format'] !== null) reject('`output_config.format`');
  const tc = body['tool_choice'];
  if (isRecord(tc) && (tc['type'] === 'tool' || tc['type'] === 'any')) reject(`\`tool_choice\` of type "${String(tc['type'])}"`);
}
