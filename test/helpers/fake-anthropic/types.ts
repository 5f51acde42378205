// The fake Messages API's public types: what a test scripts, and what the fake records.
import type {
  BetaStopReason,
  MessageCreateParamsBase,
} from '@anthropic-ai/sdk/resources/beta/messages/messages.js';

/** A content block the fake will "generate". Omitted ids and signatures are made up, like the real API's. */
export type ScriptedBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature?: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id?: string; name: string; input: Record<string, unknown> }
  /** The provider ran one of its server tools (web search / web fetch) inside this turn. */
  | { type: 'server_tool_use'; id?: string; name: 'web_search' | 'web_fetch'; input: Record<string, unknown> }
  /** Search hits (their encrypted_content is made up and remembered), or `error_code`. `tool_use_id` defaults to the last server_tool_use. */
  | { type: 'web_search_tool_result'; tool_use_id?: string; results?: Array<{ url: string; title: string; page_age?: string | null }>; error_code?: string }
  /** A fetched page as a plain-text document, or `error_code`. */
  | { type: 'web_fetch_tool_result'; tool_use_id?: string; url?: string; text?: string; title?: string; error_code?: string };

/** The four token counters a test may pin; anything left out is estimated (input, output) or 0 (cache). */
export interface UsageCounts {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /** The split of cache writes by TTL; all 5-minute writes unless given. */
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

/** A model turn. `chunkDelayMs` makes it a slow stream (a pause before every SSE frame after the first). */
export interface ScriptedMessage {
  content: ScriptedBlock[];
  /** Defaults to 'tool_use' when a tool_use block is present, else 'end_turn'. */
  stop_reason?: BetaStopReason;
  /** Only meaningful with stop_reason 'stop_sequence'. */
  stop_sequence?: string;
  usage?: Partial<UsageCounts>;
  /** The model the reply claims to come from; defaults to the request's `model`. */
  model?: string;
  chunkDelayMs?: number;
}

export const ERROR_TYPE_BY_STATUS = {
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
} as const;

export type ErrorStatus = keyof typeof ERROR_TYPE_BY_STATUS;
export type ApiErrorType = (typeof ERROR_TYPE_BY_STATUS)[ErrorStatus];

/** An HTTP error answer, in the real envelope `{type:'error', error:{type, message}, request_id}`. */
export interface ScriptedError {
  error: {
    status: ErrorStatus;
    /** Defaults to the type the real API uses for `status`. */
    type?: ApiErrorType;
    message?: string;
    /** Seconds, sent as `retry-after` (the SDK honours it when retrying). */
    retryAfter?: number;
    headers?: Record<string, string>;
    /** `error.details`, e.g. `{ error_code: 'thread_not_found' }`; the SDK picks its error subclass by it. */
    details?: Record<string, unknown>;
  };
}

/**
 * A stream that starts like `content` (message_start, the first block and part of its deltas) and then
 * breaks with an SSE `event: error` frame. A non-streaming request gets the same error as an HTTP status.
 */
export interface ScriptedMidStreamError {
  midStreamError: { type?: ApiErrorType; message?: string };
  content?: ScriptedBlock[];
  chunkDelayMs?: number;
}

/**
 * A stream that starts like `content` and then loses its connection: the socket is destroyed with no
 * `event: error` frame and no end (a network failure or a proxy cutting the response).
 */
export interface ScriptedDroppedStream {
  dropMidStream: true;
  content?: ScriptedBlock[];
}

export type ScriptedOutcome = ScriptedMessage | ScriptedError | ScriptedMidStreamError | ScriptedDroppedStream;

/** A dynamic script step: decides the answer from the request (e.g. echo the tool_use ids it answers). */
export type ScriptFunction = (req: RecordedRequest) => ScriptedOutcome | Promise<ScriptedOutcome>;

export type ScriptedResponse = ScriptedOutcome | ScriptFunction;

/** The body as the client sent it: the fake records it before validating, so it may be malformed. */
export type RecordedBody = MessageCreateParamsBase & Record<string, unknown>;

export type RequestOutcome = 'pending' | 'completed' | 'client_disconnected';

export interface RecordedRequest {
  readonly method: string;
  /** Pathname only, e.g. '/v1/messages'; the query string is in `query`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body; `{}` when the body was not a JSON object (see `rawBody`). */
  readonly body: RecordedBody;
  readonly rawBody: string;
  /**
   * The whole conversation the "model" reads: `body.messages`, preceded by the history a thread holds when the
   * request continues one (`thread: { type: 'continue' }`).
   */
  conversation: RecordedBody['messages'];
  /** Filled in as the fake answers. */
  readonly response: {
    status: number;
    streamed: boolean;
    outcome: RequestOutcome;
    /** The `request-id` header the fake answered with. */
    requestId: string;
  };
}
