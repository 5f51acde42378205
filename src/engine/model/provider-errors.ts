// A provider's failure as the Anthropic error the gateway hands back: status, envelope and the headers clients retry by.
import Anthropic from '@anthropic-ai/sdk';
import { MissingCredentialsError } from './model-client.js';
import { providerRequestId } from './streaming-client.js';

export interface ProviderErrorReply {
  status: number;
  /** The envelope's `error` object: the provider's own when it sent the Anthropic shape, untouched. */
  error: { type: string; message: string; [field: string]: unknown };
  /** What a client's retry logic reads: `retry-after`, `x-should-retry`, `anthropic-ratelimit-*`. */
  headers: Record<string, string>;
  providerRequestId: string | undefined;
}

const TYPE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** Bedrock names its exceptions in `x-amzn-errortype`; those with an Anthropic equivalent status are translated. */
const BEDROCK_STATUS: Readonly<Record<string, number>> = {
  ThrottlingException: 429,
  ServiceUnavailableException: 529,
  ModelNotReadyException: 529,
  ValidationException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
};

const PASSED_HEADERS = /^(retry-after|retry-after-ms|x-should-retry|anthropic-ratelimit-.*)$/;

function passedHeaders(headers: Headers | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  headers?.forEach((value, name) => {
    if (PASSED_HEADERS.test(name)) out[name] = value;
  });
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fromApiError(err: InstanceType<typeof Anthropic.APIError>): ProviderErrorReply {
  const body = err.error;
  const headers = passedHeaders(err.headers);
  const requestId = err.headers ? providerRequestId(err.headers) : undefined;
  const inner = isRecord(body) ? body['error'] : undefined;
  if (isRecord(inner) && typeof inner['type'] === 'string' && typeof inner['message'] === 'string') {
    // The Anthropic envelope (first-party, Vertex, Foundry, Bedrock's passthrough): unchanged.
    return { status: err.status ?? 500, error: inner as ProviderErrorReply['error'], headers, providerRequestId: requestId };
  }
  const amzn = err.headers?.get('x-amzn-errortype')?.split(':')[0];
  const status = (amzn && BEDROCK_STATUS[amzn]) || err.status || 500;
  const message =
    (isRecord(body) && typeof body['message'] === 'string' && body['message']) ||
    (isRecord(inner) && typeof inner['message'] === 'string' && inner['message']) ||
    err.message;
  const type = TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return { status, error: { type, message: amzn ? `${amzn}: ${message}` : message }, headers, providerRequestId: requestId };
}

/** The reply for a failed provider call, or undefined when `err` is not a provider failure (a bug: let it be a 500). */
export function providerErrorReply(err: unknown): ProviderErrorReply | undefined {
  const none = { headers: {}, providerRequestId: undefined };
  if (err instanceof MissingCredentialsError) {
    return { status: 500, error: { type: 'api_error', message: `the model provider is not configured: ${err.message}` }, ...none };
  }
  if (err instanceof Anthropic.APIConnectionTimeoutError) {
    return { status: 504, error: { type: 'timeout_error', message: 'the model provider did not answer in time' }, ...none };
  }
  if (err instanceof Anthropic.APIConnectionError) {
    return { status: 502, error: { type: 'api_error', message: `could not reach the model provider: ${err.message}` }, ...none };
  }
  if (err instanceof Anthropic.APIError) return fromApiError(err);
  return undefined;
}
