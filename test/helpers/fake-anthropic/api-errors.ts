// The real API's error envelope, its status/type pairs, and the default messages the fake uses.
import type { ServerResponse } from 'node:http';
import { sendJson } from './respond.js';
import { ERROR_TYPE_BY_STATUS, type ApiErrorType, type ErrorStatus } from './types.js';
import type { ErrorEnvelope } from './wire-types.js';

const DEFAULT_MESSAGES: Record<ErrorStatus, string> = {
  400: 'Invalid request',
  401: 'invalid x-api-key',
  402: 'Your credit balance is too low to access the Anthropic API.',
  403: 'Your API key does not have permission to use the specified resource.',
  404: 'Not found',
  413: 'Request exceeds the maximum allowed number of bytes.',
  429: 'Number of requests has exceeded your rate limit. Please try again later.',
  500: 'Internal server error',
  504: 'Request timed out',
  529: 'Overloaded',
};

export const defaultErrorMessage = (status: ErrorStatus): string => DEFAULT_MESSAGES[status];

/** The HTTP status the API uses for an error type (for a mid-stream error answered without streaming). */
export function statusForType(type: ApiErrorType): ErrorStatus {
  const entry = Object.entries(ERROR_TYPE_BY_STATUS).find(([, t]) => t === type);
  return entry ? (Number(entry[0]) as ErrorStatus) : 500;
}

export const errorEnvelope = (
  type: ApiErrorType,
  message: string,
  requestId: string,
  details?: Record<string, unknown>,
): ErrorEnvelope => ({
  type: 'error',
  error: details ? { type, message, details } : { type, message },
  request_id: requestId,
});

export interface ApiErrorReply {
  status: ErrorStatus;
  type?: ApiErrorType | undefined;
  message?: string | undefined;
  retryAfter?: number | undefined;
  headers?: Record<string, string> | undefined;
  details?: Record<string, unknown> | undefined;
}

export function sendApiError(res: ServerResponse, reply: ApiErrorReply, requestId: string): void {
  const type = reply.type ?? ERROR_TYPE_BY_STATUS[reply.status];
  const headers: Record<string, string> = { 'request-id': requestId, ...reply.headers };
  if (reply.retryAfter !== undefined) headers['retry-after'] = String(reply.retryAfter);
  const message = reply.message ?? DEFAULT_MESSAGES[reply.status];
  sendJson(res, reply.status, errorEnvelope(type, message, requestId, reply.details), headers);
}
