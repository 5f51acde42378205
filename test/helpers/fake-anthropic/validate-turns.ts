// Conversation-level rules: role order, merging of consecutive same-role messages, tool_use/tool_result pairing.
import { fail, type Json } from './invalid-request.js';

export interface LocatedBlock {
  block: Json;
  /** Where the block sits in the request as sent, e.g. `messages.2.content.0`. */
  loc: string;
}

export interface ParsedMessage {
  index: number;
  /** How errors name the message: `messages.3`, or `thread.messages.3` for history a thread holds. */
  loc: string;
  role: 'user' | 'assistant' | 'system';
  blocks: LocatedBlock[];
}

export interface Turn {
  role: 'user' | 'assistant';
  /** Indices (in the request) of the messages merged into this turn. */
  indices: number[];
  blocks: LocatedBlock[];
}

export interface TurnRules {
  /** `thinking.type === 'enabled'`: the assistant turn a tool loop continues from must open with thinking. */
  thinkingEnabled: boolean;
  hasTools: boolean;
  /** Names `tools` defines: a server tool's blocks need its tool. */
  toolNames?: readonly string[];
}

/** The API merges consecutive same-role messages into one turn before applying its rules; so does the fake. */
export function mergeTurns(messages: readonly ParsedMessage[]): Turn[] {
  const turns: Turn[] = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    const last = turns.at(-1);
    if (last && last.role === m.role) {
      last.indices.push(m.index);
      last.blocks.push(...m.blocks);
    } else {
      turns.push({ role: m.role, indices: [m.index], blocks: [...m.blocks] });
    }
  }
  return turns;
}

const typeOf = (b: LocatedBlock): unknown => b.block['type'];
const isServerToolResult = (b: LocatedBlock | undefined): boolean =>
  b !== undefined && typeof typeOf(b) === 'string' && (typeOf(b) as string).endsWith('_tool_result');

/**
 * Within one assistant turn, every web search / fetch result answers a server_tool_use of the same
 * tool earlier in the turn, once; a use without its result may only end the final turn (a paused
 * turn being resumed). The request must define the server tool the turn used.
 */
function checkServerToolPairs(turn: Turn, isLastTurn: boolean, toolNames: readonly string[]): void {
  const uses = new Map<string, LocatedBlock>();
  const answered = new Set<string>();
  for (const b of turn.blocks) {
    const type = typeOf(b);
    if (type === 'server_tool_use') {
      const id = b.block['id'] as string;
      if (uses.has(id)) fail(`${b.loc}.id`, `\`server_tool_use\` ids must be unique; ${id} is also used at ${uses.get(id)!.loc}`);
      const name = b.block['name'] as string;
      if ((name === 'web_search' || name === 'web_fetch') && !toolNames.includes(name)) {
        fail(b.loc, `Requests which include \`server_tool_use\` blocks for ${name} must define the ${name} tool.`);
      }
      uses.set(id, b);
    } else if (type === 'web_search_tool_result' || type === 'web_fetch_tool_result') {
      const id = b.block['tool_use_id'] as string;
      const use = uses.get(id);
      const expected = type === 'web_search_tool_result' ? 'web_search' : 'web_fetch';
      if (!use || use.block['name'] !== expected) {
        fail(`${b.loc}.tool_use_id`, `\`${String(type)}\` block with id ${id} does not follow a \`server_tool_use\` block of ${expected} with that id`);
      }
      if (answered.has(id)) fail(`${b.loc}.tool_use_id`, `more than one result answers \`server_tool_use\` id ${id}`);
      answered.add(id);
    }
  }
  for (const [id, use] of uses) {
    const name = use.block['name'];
    if ((name === 'web_search' || name === 'web_fetch') && !answered.has(id) && !(isLastTurn && turn.blocks.at(-1) === use)) {
      fail(use.loc, `\`server_tool_use\` block with id ${id} has no corresponding result block`);
    }
  }
}

export function validateTurns(messages: readonly ParsedMessage[], rules: TurnRules): void {
  const first = messages[0];
  const firstLoc = `${first?.loc ?? 'messages.0'}.role`;
  if (first?.role === 'system') fail(firstLoc, 'a `system` message cannot be the first message; use the top-level `system` parameter');
  if (first?.role !== 'user') fail(firstLoc, 'first message must use the "user" role');

  const lastIndex = messages.length - 1;
  messages.forEach((m, i) => {
    if (m.role === 'system') {
      // Mid-conversation system messages must follow a user turn (or a server tool result).
      let j = i - 1;
      while (j >= 0 && messages[j]?.role === 'system') j--;
      const prev = messages[j];
      if (!prev || (prev.role !== 'user' && !isServerToolResult(prev.blocks.at(-1)))) {
        fail(m.loc, 'a `system` message must follow a `user` message');
      }
      return;
    }
    if (m.blocks.length === 0 && !(i === lastIndex && m.role === 'assistant')) {
      fail(m.loc, 'all messages must have non-empty content except for the optional final assistant message');
    }
  });

  const turns = mergeTurns(messages);
  const seenToolUse = new Map<string, string>();
  let usesTools = false;

  turns.forEach((turn, k) => {
    if (turn.role === 'assistant') {
      checkServerToolPairs(turn, k === turns.length - 1, rules.toolNames ?? []);
      for (const b of turn.blocks) {
        if (typeOf(b) !== 'tool_use') continue;
        usesTools = true;
        const id = b.block['id'] as string;
        const earlier = seenToolUse.get(id);
        if (earlier) fail(`${b.loc}.id`, `\`tool_use\` ids must be unique; ${id} is also used at ${earlier}`);
        seenToolUse.set(id, b.loc);
      }
      return;
    }

    const prev = turns[k - 1];
    const offered = new Map<string, LocatedBlock>();
    if (prev?.role === 'assistant') {
      for (const b of prev.blocks) if (typeOf(b) === 'tool_use') offered.set(b.block['id'] as string, b);
    }
    const results = turn.blocks.filter((b) => typeOf(b) === 'tool_result');
    if (results.length > 0) usesTools = true;
    const answered = new Set(results.map((b) => b.block['tool_use_id'] as string));

    const missing = [...offered.entries()].filter(([id]) => !answered.has(id));
    if (missing.length > 0) {
      const at = missing[0]![1].loc.replace(/\.content\.\d+$/, '');
      fail(
        at,
        `\`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.map(([id]) => id).join(', ')}. ` +
          'Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
      );
    }

    const seenResult = new Set<string>();
    let firstOther: LocatedBlock | undefined;
    for (const b of turn.blocks) {
      if (typeOf(b) !== 'tool_result') {
        firstOther ??= b;
        continue;
      }
      const id = b.block['tool_use_id'] as string;
      if (!offered.has(id)) {
        fail(
          b.loc,
          `unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. ` +
            'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
        );
      }
      if (firstOther) {
        fail(
          b.loc,
          `\`tool_result\` blocks must come first in the user turn that answers \`tool_use\` blocks, ` +
            `before any other content (found \`${String(typeOf(firstOther))}\` at ${firstOther.loc})`,
        );
      }
      if (seenResult.has(id)) fail(b.loc, `more than one \`tool_result\` block answers \`tool_use\` id ${id}`);
      seenResult.add(id);
    }
  });

  if (usesTools && !rules.hasTools) fail('', 'Requests which include `tool_use` or `tool_result` blocks must define tools.');

  const lastTurn = turns.at(-1);
  if (lastTurn?.role === 'assistant') {
    const tail = lastTurn.blocks.at(-1);
    if (tail && typeOf(tail) === 'text' && /\s$/.test(tail.block['text'] as string)) {
      fail('messages', 'final assistant content cannot end with trailing whitespace');
    }
  }

  if (rules.thinkingEnabled && lastTurn?.role === 'user' && lastTurn.blocks.some((b) => typeOf(b) === 'tool_result')) {
    const assistant = turns.at(-2);
    const opening = assistant?.blocks[0];
    if (opening && typeOf(opening) !== 'thinking' && typeOf(opening) !== 'redacted_thinking') {
      fail(
        `${opening.loc}.type`,
        `Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(typeOf(opening))}\`. When \`thinking\` is enabled, ` +
          'a final `assistant` message must start with a thinking block (preceding the lastmost set of `tool_use` and ' +
          '`tool_result` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, ' +
          'disable `thinking`.',
      );
    }
  }
}
