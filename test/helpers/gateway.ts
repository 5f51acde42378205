// Gateway test helpers: agentd's own /v1/gateway endpoints over fetch, waiting for the ledger to catch up, and batches.
import type Anthropic from '@anthropic-ai/sdk';
import { TEST_API_KEY } from './server.js';

export interface Totals {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

export interface WireConversation {
  id: string;
  source: string;
  user_id: string | null;
  call_count: number;
  errored_call_count: number;
  usage: Totals;
  list_cost_usd: string;
  list_cost_nanousd: number;
}

export interface WireCall {
  id: string;
  product: string;
  call_kind: string;
  model: string;
  outcome: string;
  streamed: boolean;
  stop_reason: string | null;
  tool_names: string[];
  usage: Totals;
  list_cost_nanousd: number | null;
  ttft_ms: number | null;
  batch_id: string | null;
  message_id: string | null;
  content?: { request: unknown; response: unknown };
}

export async function gatewayGet<T>(url: string, path: string, key = TEST_API_KEY): Promise<T> {
  const res = await fetch(`${url}${path}`, { headers: { 'x-api-key': key } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export const conversation = (url: string, id: string, query = '') =>
  gatewayGet<WireConversation & { calls: WireCall[]; next_page: string | null }>(url, `/v1/gateway/conversations/${encodeURIComponent(id)}${query}`);

/** Polls (bounded) until `check` returns a value: the ledger is written just after the response is sent. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A conversation once it holds `calls` calls. */
export const conversationWithCalls = (url: string, id: string, calls: number, query = '') =>
  eventually(`conversation ${id} with ${calls} calls`, async () => {
    const c = await conversation(url, id, query);
    return c.call_count === calls ? c : undefined;
  });

/** Resolves with the batch once it has ended. */
export const batchEnded = (client: Anthropic, id: string, timeoutMs = 60_000) =>
  eventually(
    `batch ${id} to end`,
    async () => {
      const b = await client.messages.batches.retrieve(id);
      return b.processing_status === 'ended' ? b : undefined;
    },
    timeoutMs,
  );

/** A promise the test opens when it wants gated upstream answers to go out. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
