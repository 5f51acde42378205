// The one rule for a session.error's `retry_status`, from what the step that reports the error does
// to the session (the SDK's meaning of each value): `terminal` only when that step terminates the
// session (session.status_terminated); `exhausted` when the turn ends (idle, `retries_exhausted`)
// and the next user.message starts a new one; `retrying` when the session keeps running, retried
// or without the failed thing. A client that stops on `terminal` must never be wrong.
import type { WireEvent } from './records/event.js';

export type RetryStatus = WireEvent<'session.error'>['error']['retry_status'];

/** What the step reporting the error does next. */
export type ErrorAftermath = 'goes_on' | 'turn_ends' | 'session_terminates';

const STATUS: Record<ErrorAftermath, RetryStatus['type']> = {
  goes_on: 'retrying',
  turn_ends: 'exhausted',
  session_terminates: 'terminal',
};

export const retryStatus = (after: ErrorAftermath): RetryStatus => ({ type: STATUS[after] });
