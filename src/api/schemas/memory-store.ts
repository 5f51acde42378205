// Request schemas for /v1/memory_stores and its memories, with the documented limits.
import { z } from 'zod';
import { metadataPatchSchema, metadataSchema } from './common.js';

export const MEMORY_STORE_NAME_MAX = 255;
export const MEMORY_STORE_DESCRIPTION_MAX = 1024;
export const MEMORY_STORE_INSTRUCTIONS_MAX = 4096;

const storeName = z
  .string()
  .min(1)
  .max(MEMORY_STORE_NAME_MAX)
  .refine((s) => !/\p{Cc}/u.test(s), { message: 'a memory store name cannot contain control characters' });
const storeDescription = z.string().max(MEMORY_STORE_DESCRIPTION_MAX);

export const memoryStoreCreateSchema = z.strictObject({
  name: storeName,
  description: storeDescription.optional(),
  metadata: metadataSchema.optional(),
});
export type MemoryStoreCreateInput = z.infer<typeof memoryStoreCreateSchema>;

export const memoryStoreUpdateSchema = z.strictObject({
  name: storeName.nullish(),
  description: storeDescription.nullish(),
  metadata: metadataPatchSchema.nullish(),
});
export type MemoryStoreUpdateInput = z.infer<typeof memoryStoreUpdateSchema>;

export const memoryCreateSchema = z.strictObject({
  path: z.string(),
  /** `null` creates an empty memory, like "". */
  content: z.string().nullable(),
});
export type MemoryCreateInput = z.infer<typeof memoryCreateSchema>;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hexadecimal characters');

export const memoryUpdateSchema = z.strictObject({
  content: z.string().nullish(),
  path: z.string().nullish(),
  precondition: z.strictObject({ type: z.literal('content_sha256'), content_sha256: sha256Hex }).optional(),
});
export type MemoryUpdateInput = z.infer<typeof memoryUpdateSchema>;

export { sha256Hex };
