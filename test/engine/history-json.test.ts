// The agent loop's request JSON (src/engine/model/history-json.ts) parses to the body it was built from, request after
// request of a growing history, including when the fold replaces the trailing message's content, and with text whose
// UTF-8 is longer than its JavaScript string (the body's size is computed from the remembered byte lengths).
import { describe, expect, it } from 'vitest';
import { historyJson } from '../../src/engine/model/history-json.js';

const toolUse = (i: number) => ({ role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${i}`, name: 'read', input: { file_path: 'a.txt' } }] });
const toolResult = (i: number) => ({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${i}`, content: [{ type: 'text', text: `line ${i}\n"quoted" ✓` }] }] });

describe('history JSON', () => {
  it('parses to the body, with every field and message', () => {
    const body = { model: 'claude-sonnet-4-6', max_tokens: 1024, system: [{ type: 'text', text: 'sys' }], stream: true, messages: [{ role: 'user', content: 'hi' }, toolUse(1), toolResult(1)], tools: [], skipped: undefined };
    expect(JSON.parse(historyJson(body).toString('utf8'))).toEqual(JSON.parse(JSON.stringify(body)));
    expect(JSON.parse(historyJson({ messages: [{ role: 'user', content: 'only' }] }).toString('utf8'))).toEqual({ messages: [{ role: 'user', content: 'only' }] });
  });

  it('stays right as the history grows and its last message changes', () => {
    const messages: Array<{ role: string; content: unknown }> = [{ role: 'user', content: 'start' }];
    for (let i = 0; i < 20; i++) {
      messages.push(toolUse(i), toolResult(i));
      // The fold adds to the trailing user turn by replacing its content array (appendUserBlocks).
      const last = messages[messages.length - 1]!;
      if (i % 3 === 0) last.content = [...(last.content as unknown[]), { type: 'text', text: `note ${i}` }];
      const body = { model: 'm', messages: messages.slice() };
      expect(JSON.parse(historyJson(body).toString('utf8'))).toEqual(JSON.parse(JSON.stringify(body)));
    }
  });

  it('sizes the body by bytes, not characters: text of two-, three- and four-byte UTF-8, and lone surrogates', () => {
    const body = { model: 'm', system: 'système ✓ 😀', messages: [{ role: 'user', content: 'héllo ✓ 😀 \ud800 end' }, toolUse(1)] };
    const bytes = historyJson(body);
    expect(bytes.length).toBe(Buffer.byteLength(JSON.stringify(body)));
    expect(JSON.parse(bytes.toString('utf8'))).toEqual(JSON.parse(JSON.stringify(body)));
  });

  it('falls back to plain JSON for a body whose messages are not objects', () => {
    const body = { model: 'm', messages: ['not a message', null] };
    expect(historyJson(body).toString('utf8')).toBe(JSON.stringify(body));
  });
});
