// The agent loop's request body as JSON, with each history message serialised once. A session's history only grows:
// every request repeats the messages of the one before, and turning them into JSON again was ~5 % of the server's CPU
// per tool round trip at a hundred turns. A message is re-serialised when its content is not the content it was
// serialised with (the fold replaces a message's content array when it adds to it; nothing edits blocks in place).
const serialised = new WeakMap<object, { content: unknown; length: number; json: string }>();

function messageJson(message: { content?: unknown }): string {
  const { content } = message;
  const length = Array.isArray(content) ? content.length : -1;
  const seen = serialised.get(message);
  if (seen && seen.content === content && seen.length === length) return seen.json;
  const json = JSON.stringify(message);
  serialised.set(message, { content, length, json });
  return json;
}

/** `JSON.stringify(body)` with `messages` last and each message's JSON remembered; the same value once parsed. */
export function historyJson(body: Record<string, unknown>): string {
  const { messages, ...rest } = body;
  if (!Array.isArray(messages) || !messages.every((m) => typeof m === 'object' && m !== null && !Array.isArray(m))) return JSON.stringify(body);
  const head = JSON.stringify(rest);
  const tail = `"messages":[${(messages as Array<{ content?: unknown }>).map(messageJson).join(',')}]}`;
  return head === '{}' ? `{${tail}` : `${head.slice(0, -1)},${tail}`;
}
