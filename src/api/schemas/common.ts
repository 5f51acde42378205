// Request-schema building blocks shared by several resources.
import { z } from 'zod';

export const METADATA_MAX_PAIRS = 16;
export const METADATA_KEY_MAX = 64;
export const METADATA_VALUE_MAX = 512;

const metadataKey = z.string().min(1).max(METADATA_KEY_MAX);

const maxPairs = (m: Record<string, unknown>) => Object.keys(m).length <= METADATA_MAX_PAIRS;
const maxPairsMessage = { message: `at most ${METADATA_MAX_PAIRS} metadata pairs are allowed` };

export const metadataSchema = z
  .record(metadataKey, z.string().max(METADATA_VALUE_MAX))
  .refine(maxPairs, maxPairsMessage);

/** On update a null value deletes the key. */
export const metadataPatchSchema = z
  .record(metadataKey, z.string().max(METADATA_VALUE_MAX).nullable())
  .refine(maxPairs, maxPairsMessage);

export const textBlock = z.strictObject({ type: z.literal('text'), text: z.string() });

const base64Source = z.strictObject({ type: z.literal('base64'), data: z.string(), media_type: z.string() });
const urlSource = z.strictObject({ type: z.literal('url'), url: z.string().url() });
const fileSource = z.strictObject({ type: z.literal('file'), file_id: z.string().min(1) });
const plainTextSource = z.strictObject({
  type: z.literal('text'),
  data: z.string(),
  media_type: z.literal('text/plain'),
});

export const imageBlock = z.strictObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [base64Source, urlSource, fileSource]),
});

export const documentBlock = z.strictObject({
  type: z.literal('document'),
  source: z.discriminatedUnion('type', [base64Source, plainTextSource, urlSource, fileSource]),
  context: z.string().nullish(),
  title: z.string().nullish(),
});

export const searchResultBlock = z.strictObject({
  type: z.literal('search_result'),
  source: z.string(),
  title: z.string(),
  content: z.array(z.strictObject({ type: z.literal('text'), text: z.string() })),
  citations: z.strictObject({ enabled: z.boolean() }),
});

/** Content of a tool result (custom or built-in) sent by a client. */
export const toolResultContent = z.array(
  z.discriminatedUnion('type', [textBlock, imageBlock, documentBlock, searchResultBlock]),
);

/** ISO-8601 timestamp, normalised to the fixed-width UTC form the store compares. */
export const timestamp = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'expected an ISO-8601 timestamp' })
  .transform((s) => new Date(s).toISOString());

