// Request-schema building blocks shared by several resources.
import { z } from 'zod';

export const METADATA_MAX_PAIRS = 16;
export const METADATA_KEY_MAX = 64;
export const METADATA_VALUE_MAX = 512;

/** Keys and pair count are checked together so the message states the limit that was broken. */
function checkMetadata(m: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const keys = Object.keys(m);
  if (keys.length > METADATA_MAX_PAIRS) {
    ctx.addIssue({ code: 'custom', message: `at most ${METADATA_MAX_PAIRS} metadata pairs are allowed` });
  }
  for (const key of keys) {
    if (key.length < 1 || key.length > METADATA_KEY_MAX) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `metadata keys must be 1 to ${METADATA_KEY_MAX} characters`,
      });
    }
  }
}

export const metadataSchema = z.record(z.string(), z.string().max(METADATA_VALUE_MAX)).superRefine(checkMetadata);

/** On update a null value deletes the key. */
export const metadataPatchSchema = z
  .record(z.string(), z.string().max(METADATA_VALUE_MAX).nullable())
  .superRefine(checkMetadata);

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

/** The largest value of the 32-bit integer columns versions and sequence numbers are stored in. */
export const MAX_INT32 = 2_147_483_647;

/** A version stored in a 32-bit column: larger numbers name nothing, and PostgreSQL refuses them. */
export const versionNumber = z.number().int().positive().max(MAX_INT32);
