// Request schemas for the events clients send to a session.
import { z } from 'zod';
import { documentBlock, imageBlock, toolResultContent } from './common.js';

const nonEmptyText = z.strictObject({ type: z.literal('text'), text: z.string().min(1) });
const eventId = z.string().min(1);

export const userMessageEvent = z.strictObject({
  type: z.literal('user.message'),
  content: z.array(z.discriminatedUnion('type', [nonEmptyText, imageBlock, documentBlock])).min(1),
});

export const userInterruptEvent = z.strictObject({
  type: z.literal('user.interrupt'),
  session_thread_id: z.string().nullish(),
});

export const toolConfirmationEvent = z
  .strictObject({
    type: z.literal('user.tool_confirmation'),
    tool_use_id: eventId,
    result: z.enum(['allow', 'deny']),
    deny_message: z.string().nullish(),
    session_thread_id: z.string().nullish(),
  })
  .refine((e) => e.result === 'deny' || e.deny_message == null, {
    message: 'deny_message is only allowed with result "deny"',
    path: ['deny_message'],
  });

export const customToolResultEvent = z.strictObject({
  type: z.literal('user.custom_tool_result'),
  custom_tool_use_id: eventId,
  content: toolResultContent.optional(),
  is_error: z.boolean().nullish(),
  session_thread_id: z.string().nullish(),
});

export const toolResultEvent = z.strictObject({
  type: z.literal('user.tool_result'),
  tool_use_id: eventId,
  content: toolResultContent.optional(),
  is_error: z.boolean().nullish(),
});

export const defineOutcomeEvent = z.strictObject({
  type: z.literal('user.define_outcome'),
  description: z.string().min(1),
  rubric: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('text'), content: z.string().min(1) }),
    z.strictObject({ type: z.literal('file'), file_id: z.string().min(1) }),
  ]),
  max_iterations: z.number().int().min(1).max(20).nullish(),
});

export const systemMessageEvent = z.strictObject({
  type: z.literal('system.message'),
  content: z.array(nonEmptyText).min(1).max(1000),
});

/** Every client event type the SDK defines (`BetaManagedAgentsEventParams`). */
export const clientEvent = z.union([
  userMessageEvent,
  userInterruptEvent,
  toolConfirmationEvent,
  customToolResultEvent,
  toolResultEvent,
  defineOutcomeEvent,
  systemMessageEvent,
]);
export type ClientEventInput = z.infer<typeof clientEvent>;

export const CLIENT_EVENT_TYPES = [
  'user.message',
  'user.interrupt',
  'user.tool_confirmation',
  'user.custom_tool_result',
  'user.tool_result',
  'user.define_outcome',
  'system.message',
] as const;

export const sendEventsSchema = z.strictObject({
  events: z.array(z.unknown()).min(1).max(1000),
});
