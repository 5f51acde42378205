// Optional per-API-key limits on the gateway: requests and tokens per minute, as continuously refilled buckets
// (the way the hosted API describes its limits), answered with 429, `retry-after` and `anthropic-ratelimit-*`.
import type { Clock } from '../domain/clock.js';
import { ApiError } from '../errors.js';

export interface KeyLimitSettings {
  requestsPerMinute: number | undefined;
  tokensPerMinute: number | undefined;
}

interface Bucket {
  requests: number;
  tokens: number;
  at: number;
}

/** A limit's state after a decision, for the response headers. */
export interface LimitState {
  kind: 'requests' | 'tokens';
  limit: number;
  remaining: number;
  /** When the bucket is full again (epoch ms). */
  resetAt: number;
}

export class RateLimitExceeded extends ApiError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    readonly states: LimitState[],
  ) {
    super(429, 'rate_limit_error', message);
  }
}

const MINUTE = 60_000;

export class KeyLimits {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly settings: KeyLimitSettings,
    private readonly clock: Clock,
  ) {}

  get enabled(): boolean {
    return this.settings.requestsPerMinute !== undefined || this.settings.tokensPerMinute !== undefined;
  }

  private refilled(key: string): Bucket {
    const now = this.clock.now();
    const rpm = this.settings.requestsPerMinute ?? 0;
    const tpm = this.settings.tokensPerMinute ?? 0;
    const b = this.buckets.get(key) ?? { requests: rpm, tokens: tpm, at: now };
    const elapsed = Math.max(0, now - b.at);
    b.requests = Math.min(rpm, b.requests + (elapsed * rpm) / MINUTE);
    b.tokens = Math.min(tpm, b.tokens + (elapsed * tpm) / MINUTE);
    b.at = now;
    this.buckets.set(key, b);
    return b;
  }

  private states(b: Bucket): LimitState[] {
    const out: LimitState[] = [];
    const { requestsPerMinute: rpm, tokensPerMinute: tpm } = this.settings;
    if (rpm !== undefined) {
      out.push({ kind: 'requests', limit: rpm, remaining: Math.max(0, Math.floor(b.requests)), resetAt: b.at + ((rpm - b.requests) * MINUTE) / rpm });
    }
    if (tpm !== undefined) {
      out.push({ kind: 'tokens', limit: tpm, remaining: Math.max(0, Math.floor(b.tokens)), resetAt: b.at + ((tpm - b.tokens) * MINUTE) / tpm });
    }
    return out;
  }

  /**
   * Takes one request from the key's bucket, or throws RateLimitExceeded saying when to retry. A token limit admits
   * a call while any tokens remain; the call's real usage is charged afterwards (it may overdraw the bucket).
   */
  admit(key: string): LimitState[] {
    if (!this.enabled) return [];
    const b = this.refilled(key);
    const { requestsPerMinute: rpm, tokensPerMinute: tpm } = this.settings;
    const waits: Array<[number, string]> = [];
    if (rpm !== undefined && b.requests < 1) waits.push([((1 - b.requests) * MINUTE) / rpm, `${rpm} requests per minute`]);
    if (tpm !== undefined && b.tokens < 1) waits.push([((1 - b.tokens) * MINUTE) / tpm, `${tpm} tokens per minute`]);
    if (waits.length > 0) {
      const waitMs = Math.max(...waits.map(([ms]) => ms));
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new RateLimitExceeded(
        `rate limit exceeded for this API key: at most ${waits.map(([, what]) => what).join(' and ')}; retry in ${seconds}s`,
        seconds,
        this.states(b),
      );
    }
    if (rpm !== undefined) b.requests -= 1;
    return this.states(b);
  }

  /** Charges a finished call's tokens (input, cached input and output alike). */
  charge(key: string, tokens: number): void {
    if (this.settings.tokensPerMinute === undefined || tokens <= 0) return;
    this.refilled(key).tokens -= tokens;
  }
}

/** The hosted API's rate-limit headers for `states` (and `retry-after` when refusing). */
export function rateLimitHeaders(states: readonly LimitState[], retryAfterSeconds?: number): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const s of states) {
    headers[`anthropic-ratelimit-${s.kind}-limit`] = String(s.limit);
    headers[`anthropic-ratelimit-${s.kind}-remaining`] = String(s.remaining);
    headers[`anthropic-ratelimit-${s.kind}-reset`] = new Date(Math.ceil(s.resetAt / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  }
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  return headers;
}

/** The same limits under the names OpenAI clients read (`x-ratelimit-*`), for /v1/chat/completions. */
export function openAiRateLimitHeaders(states: readonly LimitState[], now: number, retryAfterSeconds?: number): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const s of states) {
    headers[`x-ratelimit-limit-${s.kind}`] = String(s.limit);
    headers[`x-ratelimit-remaining-${s.kind}`] = String(s.remaining);
    headers[`x-ratelimit-reset-${s.kind}`] = `${Math.max(0, Math.ceil((s.resetAt - now) / 1000))}s`;
  }
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  return headers;
}
