// Classifies model-call failures by the SDK's error classes: retry with backoff, or give up.
import Anthropic from '@anthropic-ai/sdk';
import { MissingCredentialsError } from './model-client.js';

export type ModelErrorType =
  | 'model_overloaded_error'
  | 'model_rate_limited_error'
  | 'model_request_failed_error'
  | 'billing_error'
  | 'unknown_error';

export interface ClassifiedError {
  retryable: boolean;
  type: ModelErrorType;
  message: string;
}

function apiErrorType(err: InstanceType<typeof Anthropic.APIError>): string | undefined {
  const body = err.error as { error?: { type?: string }; type?: string } | undefined;
  // Bedrock answers HTTP errors as `{"message": …}` and names the exception in a header.
  const amzn = err.headers?.get('x-amzn-errortype')?.split(':')[0];
  return body?.error?.type ?? body?.type ?? (amzn || undefined);
}

/**
 * Bedrock's event-stream exception frames, which the Bedrock SDK turns into mid-stream `error` events (no HTTP
 * status) typed by the camel-cased exception name. Anything not listed keeps the default for stream errors: retryable.
 */
const BEDROCK_STREAM_ERRORS: ReadonlyMap<string, { retryable: boolean; type: ModelErrorType }> = new Map([
  ['throttlingException', { retryable: true, type: 'model_rate_limited_error' }],
  ['validationException', { retryable: false, type: 'model_request_failed_error' }],
]);

export function classifyModelError(err: unknown): ClassifiedError {
  if (err instanceof MissingCredentialsError) {
    return { retryable: false, type: 'model_request_failed_error', message: err.message };
  }
  if (err instanceof Anthropic.APIConnectionError) {
    return { retryable: true, type: 'model_request_failed_error', message: `could not reach the model API: ${err.message}` };
  }
  if (err instanceof Anthropic.APIError) {
    const type = apiErrorType(err);
    const status = err.status;
    const detail = `${status ?? 'stream'} ${type ?? 'error'}: ${err.message}`;
    const bedrock = status === undefined && type ? BEDROCK_STREAM_ERRORS.get(type) : undefined;
    if (bedrock) return { ...bedrock, message: detail };
    // The account cannot pay for the call: no retry will fix it.
    if (status === 402 || type === 'billing_error') return { retryable: false, type: 'billing_error', message: detail };
    if (status === 529 || type === 'overloaded_error') return { retryable: true, type: 'model_overloaded_error', message: detail };
    if (status === 429 || type === 'rate_limit_error') return { retryable: true, type: 'model_rate_limited_error', message: detail };
    if (status === undefined || status >= 500 || status === 408 || type === 'api_error') {
      return { retryable: true, type: 'model_request_failed_error', message: detail };
    }
    return { retryable: false, type: 'model_request_failed_error', message: detail };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { retryable: false, type: 'unknown_error', message };
}

/** Backoff of retried model calls lives with the retry budget it serves (domain/retry.ts). */
export { backoffMs } from '../../domain/retry.js';
