// An OpenAI chat-completions request as a Messages API request, the way Anthropic's OpenAI SDK compatibility layer
// documents it: system/developer messages hoisted, tools and tool calls mapped, unsupported fields ignored or refused.
import type { RawMessagesBody } from '../../engine/model/model-client.js';
import { invalidRequest } from '../../errors.js';

type Json = Record<string, unknown>;
type Block = Json;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sent when the client names no output limit (the Messages API requires one). */
export const DEFAULT_MAX_TOKENS = 4096;

export interface ChatRequest {
  request: RawMessagesBody;
  stream: boolean;
  /** `stream_options.include_usage`: a final chunk carries the usage. */
  includeUsage: boolean;
}

function textOf(content: unknown, field: string): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content)) throw invalidRequest(`${field}: expected a string or a list of content parts`);
  return content
    .map((part, i) => (isRecord(part) && part['type'] === 'text' && typeof part['text'] === 'string' ? part['text'] : partError(`${field}.${i}`)))
    .join('');
}

function partError(field: string): never {
  throw invalidRequest(`${field}: expected a text part ({"type": "text", "text": ...})`);
}

/** `data:<media type>;base64,<data>` */
const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

function imageBlock(part: Json, field: string): Block {
  const image = part['image_url'];
  const url = isRecord(image) ? image['url'] : image;
  if (typeof url !== 'string') throw invalidRequest(`${field}.image_url.url: expected a URL or a data: URL`);
  const data = DATA_URL.exec(url);
  // `detail` is ignored, as documented.
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1], data: data[2] } };
  return { type: 'image', source: { type: 'url', url } };
}

function fileBlock(part: Json, field: string): Block | undefined {
  const file = part['file'];
  if (!isRecord(file)) throw invalidRequest(`${field}.file: expected an object with file_data or file_id`);
  if (typeof file['file_id'] === 'string') return { type: 'document', source: { type: 'file', file_id: file['file_id'] } };
  const data = typeof file['file_data'] === 'string' ? DATA_URL.exec(file['file_data']) : null;
  if (!data) throw invalidRequest(`${field}.file.file_data: expected a base64 data: URL`);
  return { type: 'document', source: { type: 'base64', media_type: data[1], data: data[2] } };
}

function userContent(content: unknown, field: string): Block[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalidRequest(`${field}: expected a string or a list of content parts`);
  const blocks: Block[] = [];
  content.forEach((part, i) => {
    const at = `${field}.${i}`;
    if (!isRecord(part)) throw invalidRequest(`${at}: expected a content part object`);
    switch (part['type']) {
      case 'text':
        if (typeof part['text'] !== 'string') throw invalidRequest(`${at}.text: expected a string`);
        blocks.push({ type: 'text', text: part['text'] });
        return;
      case 'image_url':
        blocks.push(imageBlock(part, at));
        return;
      case 'file': {
        const block = fileBlock(part, at);
        if (block) blocks.push(block);
        return;
      }
      case 'input_audio':
        return; // Audio input is not supported: stripped, as documented.
      default:
        throw invalidRequest(`${at}.type: "${String(part['type'])}" is not a content part type (text, image_url, file, input_audio)`);
    }
  });
  return blocks;
}

function parseArguments(raw: unknown, field: string): unknown {
  if (typeof raw !== 'string' || raw.trim() === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw invalidRequest(`${field}: expected the function arguments as a JSON string`);
  }
}

interface Turn {
  role: 'user' | 'assistant';
  content: Block[];
}

/** Consecutive turns of one role become one turn, as the Messages API wants them (tool results first). */
function push(turns: Turn[], role: Turn['role'], blocks: Block[]): void {
  if (blocks.length === 0) return;
  const last = turns.at(-1);
  if (last?.role === role) last.content.push(...blocks);
  else turns.push({ role, content: blocks });
}

function convertMessages(messages: unknown): { system: string | undefined; turns: Turn[] } {
  if (!Array.isArray(messages) || messages.length === 0) throw invalidRequest('messages: expected a non-empty list');
  const systems: string[] = [];
  const turns: Turn[] = [];
  /** Deprecated `function_call`s get ids so that `role: "function"` answers can refer to them by name. */
  const functionCallIds = new Map<string, string[]>();
  messages.forEach((m, i) => {
    const field = `messages.${i}`;
    if (!isRecord(m)) throw invalidRequest(`${field}: expected a message object`);
    switch (m['role']) {
      case 'system':
      case 'developer':
        systems.push(textOf(m['content'], `${field}.content`));
        return;
      case 'user':
        push(turns, 'user', userContent(m['content'], `${field}.content`));
        return;
      case 'assistant': {
        const blocks: Block[] = [];
        const text = textOfAssistant(m['content'], `${field}.content`);
        if (text !== '') blocks.push({ type: 'text', text });
        const calls = m['tool_calls'];
        if (Array.isArray(calls)) {
          calls.forEach((c, j) => {
            const at = `${field}.tool_calls.${j}`;
            const fn = isRecord(c) ? c['function'] : undefined;
            if (!isRecord(c) || typeof c['id'] !== 'string' || !isRecord(fn) || typeof fn['name'] !== 'string') {
              throw invalidRequest(`${at}: expected {id, type: "function", function: {name, arguments}}`);
            }
            blocks.push({ type: 'tool_use', id: c['id'], name: fn['name'], input: parseArguments(fn['arguments'], `${at}.function.arguments`) });
          });
        }
        const fc = m['function_call'];
        if (isRecord(fc) && typeof fc['name'] === 'string') {
          const id = `call_fn_${i}`;
          functionCallIds.set(fc['name'], [...(functionCallIds.get(fc['name']) ?? []), id]);
          blocks.push({ type: 'tool_use', id, name: fc['name'], input: parseArguments(fc['arguments'], `${field}.function_call.arguments`) });
        }
        push(turns, 'assistant', blocks);
        return;
      }
      case 'tool': {
        if (typeof m['tool_call_id'] !== 'string') throw invalidRequest(`${field}.tool_call_id: Field required`);
        push(turns, 'user', [{ type: 'tool_result', tool_use_id: m['tool_call_id'], content: textOf(m['content'], `${field}.content`) }]);
        return;
      }
      case 'function': {
        const name = typeof m['name'] === 'string' ? m['name'] : '';
        const id = functionCallIds.get(name)?.shift();
        if (!id) throw invalidRequest(`${field}.name: no earlier assistant function_call named "${name}"`);
        push(turns, 'user', [{ type: 'tool_result', tool_use_id: id, content: textOf(m['content'], `${field}.content`) }]);
        return;
      }
      default:
        throw invalidRequest(`${field}.role: expected system, developer, user, assistant, tool or function`);
    }
  });
  return { system: systems.length > 0 ? systems.join('\n') : undefined, turns };
}

/** Assistant content: text parts kept, refusal parts ignored. */
function textOfAssistant(content: unknown, field: string): string {
  if (Array.isArray(content)) {
    return content
      .filter((p) => !(isRecord(p) && p['type'] === 'refusal'))
      .map((p, i) => (isRecord(p) && typeof p['text'] === 'string' ? p['text'] : partError(`${field}.${i}`)))
      .join('');
  }
  return textOf(content, field);
}

function convertTool(tool: unknown, field: string): Block {
  const fn = isRecord(tool) && tool['type'] === 'function' ? tool['function'] : tool;
  if (!isRecord(fn) || typeof fn['name'] !== 'string') throw invalidRequest(`${field}: expected {type: "function", function: {name, parameters}}`);
  // `strict` is ignored, as documented.
  return {
    name: fn['name'],
    ...(typeof fn['description'] === 'string' ? { description: fn['description'] } : {}),
    input_schema: isRecord(fn['parameters']) ? fn['parameters'] : { type: 'object', properties: {} },
  };
}

function toolChoice(choice: unknown, parallel: unknown): Json | undefined {
  const disable = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined || choice === null) return parallel === false ? { type: 'auto', ...disable } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...disable };
  if (choice === 'required') return { type: 'any', ...disable };
  if (isRecord(choice)) {
    const fn = choice['function'];
    const name = isRecord(fn) ? fn['name'] : choice['name'];
    if (typeof name === 'string') return { type: 'tool', name, ...disable };
  }
  throw invalidRequest('tool_choice: expected "none", "auto", "required" or {"type": "function", "function": {"name": ...}}');
}

function stopSequences(stop: unknown): string[] | undefined {
  if (stop === undefined || stop === null) return undefined;
  const list = typeof stop === 'string' ? [stop] : stop;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) throw invalidRequest('stop: expected a string or a list of strings');
  // Only non-whitespace stop sequences work (whitespace-only ones are dropped).
  const kept = (list as string[]).filter((s) => s.trim() !== '');
  return kept.length > 0 ? kept : undefined;
}

function positiveInt(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw invalidRequest(`${field}: expected a positive integer`);
  return v;
}

export function chatToMessages(raw: unknown): ChatRequest {
  if (!isRecord(raw)) throw invalidRequest('request body: expected a JSON object');
  const model = raw['model'];
  if (typeof model !== 'string' || model === '') throw invalidRequest('model: Field required (a Claude model id)');
  if (model.includes('\0')) throw invalidRequest('model: must not contain a NUL character (\\u0000)');
  if (raw['n'] !== undefined && raw['n'] !== null && raw['n'] !== 1) throw invalidRequest('n: must be exactly 1');
  const { system, turns } = convertMessages(raw['messages']);
  const request: RawMessagesBody = {
    model,
    max_tokens: positiveInt(raw['max_completion_tokens'], 'max_completion_tokens') ?? positiveInt(raw['max_tokens'], 'max_tokens') ?? DEFAULT_MAX_TOKENS,
    messages: turns,
  };
  if (system !== undefined && system !== '') request['system'] = system;
  const temperature = raw['temperature'];
  if (typeof temperature === 'number') request['temperature'] = Math.min(1, Math.max(0, temperature));
  if (typeof raw['top_p'] === 'number') request['top_p'] = raw['top_p'];
  const stop = stopSequences(raw['stop']);
  if (stop) request['stop_sequences'] = stop;
  const tools = Array.isArray(raw['tools']) ? raw['tools'] : Array.isArray(raw['functions']) ? raw['functions'] : undefined;
  if (tools && tools.length > 0) request['tools'] = tools.map((tool, i) => convertTool(tool, `tools.${i}`));
  const choice = toolChoice(raw['tool_choice'] ?? fromFunctionCall(raw['function_call']), raw['parallel_tool_calls']);
  if (choice && request['tools']) request['tool_choice'] = choice;
  // Extended thinking is asked for with the Messages API's own `thinking` parameter (e.g. through `extra_body`).
  if (isRecord(raw['thinking'])) request['thinking'] = raw['thinking'];
  const streamOptions = raw['stream_options'];
  return {
    request,
    stream: raw['stream'] === true,
    includeUsage: isRecord(streamOptions) && streamOptions['include_usage'] === true,
  };
}

/** The deprecated `function_call` control, as a tool_choice. */
function fromFunctionCall(fc: unknown): unknown {
  if (fc === undefined || fc === null) return undefined;
  if (fc === 'none' || fc === 'auto') return fc;
  return isRecord(fc) && typeof fc['name'] === 'string' ? { type: 'function', function: { name: fc['name'] } } : undefined;
}
