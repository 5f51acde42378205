// The SDK client for an agentd server, and plain-language explanations of why a call failed.
import fs from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import type { RunOptions } from './args.js';

/** A failure the CLI explains in one message and exits on (status 1 unless stated). */
export class RunFailure extends Error {
  override name = 'RunFailure';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface ResolvedKey {
  key: string;
  /** Where the key came from, to say which one to fix after a 401. */
  source: 'flag or AGENTD_API_KEY' | 'key file';
}

export function resolveKey(opts: Pick<RunOptions, 'apiKey' | 'keyFile'>): ResolvedKey {
  if (opts.apiKey !== undefined) return { key: opts.apiKey, source: 'flag or AGENTD_API_KEY' };
  let key = '';
  try {
    key = fs.readFileSync(opts.keyFile, 'utf8').trim();
  } catch {
    // Missing or unreadable: explained below.
  }
  if (key === '') {
    throw new RunFailure(
      `no API key for agentd: pass --api-key or set AGENTD_API_KEY (no key file at ${opts.keyFile}; ` +
        '`agentd serve` writes one into its data directory on first start)',
      2,
    );
  }
  return { key, source: 'key file' };
}

export function createClient(url: string, apiKey: string): Anthropic {
  // authToken: null and an explicit apiKey keep the SDK from picking up ANTHROPIC_API_KEY /
  // ANTHROPIC_AUTH_TOKEN, which are model credentials and must never be sent to agentd.
  return new Anthropic({ baseURL: url, apiKey, authToken: null, maxRetries: 2, timeout: 60_000 });
}

const PROBE_TIMEOUT_MS = 10_000;

/**
 * Fails fast, with the hint, when nothing listens at the URL: the SDK would first spend its
 * retries (seconds) on a refused connection. Any HTTP answer passes; the API calls judge the rest.
 */
export async function probeServer(url: string): Promise<void> {
  try {
    await fetch(`${url}/health`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  } catch (err) {
    if (err instanceof Error && err.name === 'TimeoutError') {
      throw new RunFailure(`agentd at ${url} did not answer within ${PROBE_TIMEOUT_MS / 1000} s`);
    }
    throw new RunFailure(`cannot reach agentd at ${url}: start it with \`npx agentd serve\``);
  }
}

/** Turns an SDK error into what the user should do about it. */
export function explainError(err: unknown, opts: Pick<RunOptions, 'url' | 'keyFile'>, key: ResolvedKey): RunFailure {
  if (err instanceof RunFailure) return err;
  if (err instanceof Anthropic.APIConnectionError) {
    return new RunFailure(`cannot reach agentd at ${opts.url}: start it with \`npx agentd serve\``);
  }
  if (err instanceof Anthropic.AuthenticationError) {
    const where =
      key.source === 'key file'
        ? `the key in ${opts.keyFile} was rejected (is it from this server's data directory?)`
        : `the key from --api-key / AGENTD_API_KEY was rejected; the server's generated key is in ${opts.keyFile} ` +
          "(in the directory where `agentd serve` runs), or in the server's AGENTD_API_KEY";
    return new RunFailure(`agentd at ${opts.url} answered 401: wrong API key: ${where}`);
  }
  if (err instanceof Anthropic.APIError) {
    return new RunFailure(`agentd at ${opts.url} answered ${err.status ?? 'an error'}: ${apiMessage(err)}`);
  }
  return new RunFailure(err instanceof Error ? err.message : String(err));
}

function apiMessage(err: InstanceType<typeof Anthropic.APIError>): string {
  const body = err.error as { error?: { message?: string } } | undefined;
  return body?.error?.message ?? err.message;
}
