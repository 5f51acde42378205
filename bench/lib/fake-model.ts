// The zero-latency scripted model every item runs against: the test suite's fake Messages API
// (real SSE wire format) in this process, with request recording and rule checks off.
//
// The script is stateless: the user message says what to do, e.g. `bench:write,read*200`
// makes the model call `write` once, then `read` 200 times (one call per turn), then answer
// with text. Counting the assistant turns since that message tells the fake where it is, so
// any number of sessions (and the SDK's tool runner) can share one fake.
import { startFakeAnthropic, type FakeAnthropic, type RecordedRequest, type ScriptedOutcome } from '../../test/helpers/fake-anthropic/index.js';

export const BENCH_FILE = 'bench.txt';
/** What `write` puts in the file `read` then reads: a small source-like file (~1 KB). */
export const FILE_CONTENT = Array.from({ length: 24 }, (_, i) => `line ${String(i + 1).padStart(2, '0')}: the quick brown fox jumps over the lazy dog`).join('\n') + '\n';

type Call = { name: string; input: Record<string, unknown> };

const TOOL_INPUTS: Record<string, Record<string, unknown>> = {
  write: { file_path: BENCH_FILE, content: FILE_CONTENT },
  read: { file_path: BENCH_FILE },
  bash: { command: 'echo ready' },
};

/** `write,read*3` → the calls, in order. */
export function parsePlan(plan: string): Call[] {
  const calls: Call[] = [];
  for (const part of plan.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, times] = part.split('*') as [string, string | undefined];
    const input = TOOL_INPUTS[name];
    if (!input) throw new Error(`bench plan: unknown tool "${name}"`);
    for (let i = 0; i < Number(times ?? 1); i++) calls.push({ name, input });
  }
  return calls;
}

export const planMessage = (plan: string) => `bench:${plan}`;

function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  for (const b of content as Array<{ type?: string; text?: string }>) if (b.type === 'text' && b.text?.startsWith('bench:')) return b.text;
  return undefined;
}

const planCache = new Map<string, Call[]>();

export function respond(req: RecordedRequest): ScriptedOutcome {
  const messages = req.conversation as Array<{ role: string; content: unknown }>;
  let turns = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role === 'assistant') {
      turns++;
      continue;
    }
    const text = textOf(m.content);
    if (text === undefined) continue;
    const plan = text.slice('bench:'.length);
    let calls = planCache.get(plan);
    if (!calls) planCache.set(plan, (calls = parsePlan(plan)));
    const call = calls[turns];
    return call
      ? { content: [{ type: 'tool_use', name: call.name, input: call.input }], usage: { input_tokens: 100, output_tokens: 20 } }
      : { content: [{ type: 'text', text: 'done.' }], usage: { input_tokens: 100, output_tokens: 2 } };
  }
  return { content: [{ type: 'text', text: 'done.' }], usage: { input_tokens: 100, output_tokens: 2 } };
}

export async function startBenchModel(): Promise<FakeAnthropic> {
  // Sessions wait seconds between model calls while sandboxes start; with Node's 5 s keep-alive the
  // fake would close connections agentd is about to reuse (a bench artefact, seen as model errors).
  const fake = await startFakeAnthropic({ recordRequests: false, validate: false, keepAliveTimeoutMs: 120_000, backlog: 4096 });
  fake.setResponder(respond);
  return fake;
}
