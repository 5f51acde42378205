// An MCP tools/call result as tool_result content for the Messages API.
import type { ModelToolResultContent } from '../../domain/conversation-blocks.js';

type McpBlock = { type: string; [field: string]: unknown };

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

function block(b: McpBlock): ModelToolResultContent[number] {
  if (b.type === 'text' && typeof b.text === 'string') return { type: 'text', text: b.text };
  if (b.type === 'image' && typeof b.data === 'string' && IMAGE_TYPES.has(String(b.mimeType))) {
    return { type: 'image', source: { type: 'base64', media_type: b.mimeType as 'image/png', data: b.data } };
  }
  if (b.type === 'resource' && typeof b.resource === 'object' && b.resource !== null) {
    const r = b.resource as { uri?: string; text?: string };
    return { type: 'text', text: typeof r.text === 'string' ? r.text : `[resource ${r.uri ?? ''} (binary, not shown)]` };
  }
  if (b.type === 'resource_link') return { type: 'text', text: `[resource link ${String(b.uri ?? '')}${b.name ? ` (${String(b.name)})` : ''}]` };
  return { type: 'text', text: `[${b.type} content (${String(b.mimeType ?? 'unknown type')}) is not shown]` };
}

export function toolResultContent(result: { content?: unknown; structuredContent?: unknown }): ModelToolResultContent {
  const blocks = Array.isArray(result.content) ? (result.content as McpBlock[]).map(block) : [];
  if (blocks.length === 0 && result.structuredContent !== undefined) return [{ type: 'text', text: JSON.stringify(result.structuredContent) }];
  return blocks;
}
