// Validates one client event by its `type`, so errors name the exact field (events[i].x).
import type { z } from 'zod';
import { invalidRequest } from '../../errors.js';
import { parseInput } from '../parse-input.js';
import {
  CLIENT_EVENT_TYPES,
  customToolResultEvent,
  defineOutcomeEvent,
  systemMessageEvent,
  toolConfirmationEvent,
  toolResultEvent,
  userInterruptEvent,
  userMessageEvent,
  type ClientEventInput,
} from './event.js';

const byType: Record<(typeof CLIENT_EVENT_TYPES)[number], z.ZodType<ClientEventInput>> = {
  'user.message': userMessageEvent,
  'user.interrupt': userInterruptEvent,
  'user.tool_confirmation': toolConfirmationEvent,
  'user.custom_tool_result': customToolResultEvent,
  'user.tool_result': toolResultEvent,
  'user.define_outcome': defineOutcomeEvent,
  'system.message': systemMessageEvent,
};

export function parseClientEvent(raw: unknown, field: string): ClientEventInput {
  const type = (raw as { type?: unknown } | null)?.type;
  if (typeof type !== 'string') throw invalidRequest(`${field}.type: required`);
  const schema = byType[type as keyof typeof byType];
  if (!schema) {
    throw invalidRequest(`${field}.type: unknown event type "${type}"; expected one of ${CLIENT_EVENT_TYPES.join(', ')}`);
  }
  return parseInput(schema, raw, field);
}
