// The error registry: every failure a client can see, mapped to the wire envelope
// {"type":"error","error":{"type","message"},"request_id"} with its documented status.

/** The SDK's `ErrorType` values, with the HTTP status each one travels with. */
export const ErrorTypes = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
  // Memory stores' 409s carry their own types (the SDK's ErrorType lists them).
  memory_path_conflict_error: 409,
  memory_precondition_failed_error: 409,
  conflict_error: 409,
} as const;
export type ErrorType = keyof typeof ErrorTypes;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
    /** Machine-readable code; the SDK maps `error.details.error_code` to typed error classes. */
    readonly errorCode?: string,
    /** More `error.details` fields that go with the code (e.g. a 412's `current_state`). */
    readonly details?: Record<string, unknown>,
    /** Fields the SDK types on the error object itself (e.g. a path conflict's `conflicting_memory_id`). */
    readonly fields?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const invalidRequest = (message: string, errorCode?: string) =>
  new ApiError(400, 'invalid_request_error', message, errorCode);
/** 409 carries `invalid_request_error`: the hosted API has no separate conflict type. */
export const conflict = (message: string, errorCode?: string) =>
  new ApiError(409, 'invalid_request_error', message, errorCode);
/** 412: a compare-and-set precondition (e.g. `expected_last_heartbeat`) does not hold. */
export const preconditionFailed = (message: string, errorCode: string, details: Record<string, unknown>) =>
  new ApiError(412, 'invalid_request_error', message, errorCode, details);
/** 409: a memory's path is taken by, or overlaps, another memory's (the SDK's typed error object). */
export const memoryPathConflict = (message: string, conflictingMemoryId: string, conflictingPath: string) =>
  new ApiError(409, 'memory_path_conflict_error', message, undefined, undefined, {
    conflicting_memory_id: conflictingMemoryId,
    conflicting_path: conflictingPath,
  });
/** 409: a memory's `content_sha256` precondition does not hold. */
export const memoryPreconditionFailed = (message: string) => new ApiError(409, 'memory_precondition_failed_error', message);
/** 409 on memory-store endpoints: the resource's state forbids the change (e.g. an archived store). */
export const memoryConflict = (message: string) => new ApiError(409, 'conflict_error', message);
export const notFound = (message: string, errorCode?: string) =>
  new ApiError(404, 'not_found_error', message, errorCode);
export const unauthenticated = (message: string) => new ApiError(401, 'authentication_error', message);
export const forbidden = (message: string) => new ApiError(403, 'permission_error', message);
export const tooLarge = (message: string) => new ApiError(413, 'request_too_large', message);
export const rateLimited = (message: string) => new ApiError(429, 'rate_limit_error', message);

export interface ErrorEnvelope {
  type: 'error';
  error: { type: ErrorType; message: string; details?: { error_code: string; [field: string]: unknown }; [field: string]: unknown };
  request_id: string;
}

export function toEnvelope(err: ApiError, requestId: string): ErrorEnvelope {
  return {
    type: 'error',
    error: {
      ...err.fields,
      type: err.type,
      message: err.message,
      ...(err.errorCode ? { details: { ...err.details, error_code: err.errorCode } } : {}),
    },
    request_id: requestId,
  };
}
