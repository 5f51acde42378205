// The connection every platform command shares: --url / AGENTD_URL, --api-key / AGENTD_API_KEY or
// the key file `agentd serve` writes, and an SDK client for them. Errors become one message whose
// text is the server's error envelope (type, message, request id) and an exit status.
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { DEFAULT_URL, firstKey } from '../run/args.js';
import { createClient, resolveKey, RunFailure } from '../run/connect.js';
import { EXIT } from './exit-codes.js';

export interface Connection {
  url: string;
  client: Anthropic;
  keyFile: string;
}

export function connect(flags: { url?: string | undefined; 'api-key'?: string | undefined }, env: NodeJS.ProcessEnv): Connection {
  const url = (flags.url ?? env.AGENTD_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(url)) throw new RunFailure(`--url: "${url}" is not an http(s) URL`, EXIT.usage);
  const keyFile = path.resolve(env.AGENTD_DATA_DIR || './.agentd', 'api-key');
  const key = resolveKey({ apiKey: firstKey(flags['api-key']) ?? firstKey(env.AGENTD_API_KEY), keyFile });
  return { url, client: createClient(url, key.key), keyFile };
}

interface Envelope {
  error?: { type?: string; message?: string };
  request_id?: string;
}

/** What went wrong, in the server's own words when it answered: `404 not_found_error: … (request req_…)`. */
export function failureOf(err: unknown, conn: Pick<Connection, 'url' | 'keyFile'> | undefined): RunFailure {
  if (err instanceof RunFailure) return err;
  if (err instanceof Anthropic.APIConnectionError) {
    return new RunFailure(`cannot reach agentd at ${conn?.url ?? 'the server'}: is \`agentd serve\` running there?`);
  }
  if (err instanceof Anthropic.APIError) {
    const body = err.error as Envelope | undefined;
    const type = body?.error?.type ?? 'error';
    const message = body?.error?.message ?? err.message;
    const requestId = body?.request_id ?? err.requestID ?? undefined;
    let text = `${err.status ?? ''} ${type}: ${message}${requestId ? ` (request ${requestId})` : ''}`.trim();
    if (err.status === 401) text += ` — check --api-key / AGENTD_API_KEY or the key file ${conn?.keyFile ?? ''}`.trimEnd();
    return new RunFailure(text, err.status === 404 ? EXIT.notFound : EXIT.failed);
  }
  return new RunFailure(err instanceof Error ? err.message : String(err));
}
