// Driving agentd sessions the way a client does, over raw HTTP + SSE with receipt timestamps.
import type { Agentd } from './agentd.js';
import { BENCH_API_KEY } from './agentd.js';
import { planMessage } from './fake-model.js';
import { performance } from 'node:perf_hooks';
import { openStream, type Frame } from './sse-client.js';

export const BENCH_MODEL = 'claude-sonnet-4-6';

export interface Setup {
  agentId: string;
  environmentId: string;
}

/** An agent offering only `tools` of the built-in toolset (the baseline offers the same), and a cloud environment. */
export async function setup(server: Agentd, tools: string[] = ['read', 'write']): Promise<Setup> {
  const agent = await server.http.ok('POST', '/v1/agents', {
    name: `bench-${tools.join('-')}-${Date.now()}`,
    model: BENCH_MODEL,
    tools: [
      {
        type: 'agent_toolset_20260401',
        default_config: { enabled: false },
        configs: tools.map((name) => ({ name, enabled: true, permission_policy: { type: 'always_allow' } })),
      },
    ],
  });
  const env = await server.http.ok('POST', '/v1/environments', { name: `bench-env-${Date.now()}` });
  return { agentId: agent.body.id, environmentId: env.body.id };
}

export async function createSession(server: Agentd, s: Setup): Promise<string> {
  const r = await server.http.ok('POST', '/v1/sessions', { agent: s.agentId, environment_id: s.environmentId });
  return r.body.id as string;
}

export const userMessage = (text: string) => ({ events: [{ type: 'user.message', content: [{ type: 'text', text }] }] });

export function sendText(server: Agentd, sessionId: string, text: string) {
  return server.http.ok('POST', `/v1/sessions/${sessionId}/events`, userMessage(text));
}

export interface TurnResult {
  /** performance.now() before the user.message POST was written. */
  sentAt: number;
  /** Receipt of the closing session.status_idle (or terminated / failure time). */
  doneAt: number;
  frames: Frame[];
  /** What went wrong, if anything (an HTTP error, session.error, an is_error tool result, a non end_turn stop, a timeout). */
  errors: string[];
}

export const stopReasonOf = (f: Frame): string | undefined => {
  if (f.type !== 'session.status_idle') return undefined;
  return (JSON.parse(f.data) as { stop_reason?: { type?: string } }).stop_reason?.type;
};

export interface PreparedTurn {
  /** The stream is open (the server follows the log); `go` may send. */
  ready: Promise<void>;
  /** Sends `bench:<plan>` and reads until the session idles (or the timeout). */
  go(): Promise<TurnResult>;
}

/** Opens the session's stream first, as clients do, so no event of the turn is missed. */
export function prepareTurn(server: Agentd, sessionId: string, plan: string, timeoutMs: number): PreparedTurn {
  const frames: Frame[] = [];
  const errors: string[] = [];
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const stream = openStream(
    server.url,
    BENCH_API_KEY,
    sessionId,
    (f) => {
      frames.push(f);
      if (f.type === 'session.error') errors.push(`session.error ${f.data.slice(0, 200)}`);
      if (f.type === 'agent.tool_result' && f.data.includes('"is_error":true')) errors.push(`tool error ${f.data.slice(0, 200)}`);
      if (f.type === 'session.status_terminated') finish();
      const reason = stopReasonOf(f);
      if (reason !== undefined) {
        if (reason !== 'end_turn') errors.push(`idle with stop_reason ${reason}`);
        finish();
      }
    },
    { onError: (err) => errors.push(`stream: ${err.message}`) },
  );
  const go = async (): Promise<TurnResult> => {
    let timer: NodeJS.Timeout | undefined;
    let sentAt = performance.now();
    try {
      await stream.ready;
      try {
        sentAt = (await sendText(server, sessionId, planMessage(plan))).sentAt;
      } catch (err) {
        errors.push(`send: ${(err as Error).message}`);
        return { sentAt, doneAt: performance.now(), frames, errors };
      }
      const timedOut = await Promise.race([
        finished.then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs))),
      ]);
      if (timedOut) errors.push(`timed out after ${timeoutMs} ms (${frames.length} events)`);
      const last = frames.at(-1);
      return { sentAt, doneAt: timedOut || !last ? performance.now() : last.at, frames, errors };
    } catch (err) {
      errors.push(`stream: ${(err as Error).message}`);
      return { sentAt, doneAt: performance.now(), frames, errors };
    } finally {
      clearTimeout(timer);
      stream.close();
    }
  };
  return { ready: stream.ready, go };
}

export async function runTurn(server: Agentd, sessionId: string, plan: string, timeoutMs: number): Promise<TurnResult> {
  const t = prepareTurn(server, sessionId, plan, timeoutMs);
  return t.go();
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}
