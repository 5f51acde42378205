// Request schemas for /v1/environments, with the documented limits.
import { z } from 'zod';
import { metadataPatchSchema, metadataSchema } from './common.js';

export const ENVIRONMENT_NAME_MAX = 256;
export const ENVIRONMENT_DESCRIPTION_MAX = 2048;

const HOST_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
/** A host name (optionally a `*.` wildcard over its subdomains) — not a URL, no port. */
const HOST_PATTERN = new RegExp(`^(?:\\*\\.)?${HOST_LABEL}(?:\\.${HOST_LABEL})*$`, 'i');

const allowedHost = z
  .string()
  .max(253)
  .regex(HOST_PATTERN, 'expected a host name such as "api.example.com" or "*.example.com", not a URL');

export const networkingParam = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('unrestricted') }),
  z.strictObject({
    type: z.literal('limited'),
    allowed_hosts: z.array(allowedHost).nullish(),
    allow_package_managers: z.boolean().nullish(),
    allow_mcp_servers: z.boolean().nullish(),
  }),
]);

const packageList = z.array(z.string().min(1)).nullish();

export const packagesParam = z.strictObject({
  type: z.literal('packages').optional(),
  apt: packageList,
  cargo: packageList,
  gem: packageList,
  go: packageList,
  npm: packageList,
  pip: packageList,
});

export const environmentConfigParam = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('cloud'),
    networking: networkingParam.nullish(),
    packages: packagesParam.nullish(),
  }),
  // Self-hosted sandboxes control their own egress and packages: nothing else is configurable.
  z.strictObject({ type: z.literal('self_hosted') }),
]);
export type EnvironmentConfigParam = z.infer<typeof environmentConfigParam>;

const name = z.string().min(1).max(ENVIRONMENT_NAME_MAX);
const description = z.string().max(ENVIRONMENT_DESCRIPTION_MAX).nullish();
const scope = z.enum(['organization', 'account']).nullish();

export const environmentCreateSchema = z.strictObject({
  name,
  description,
  metadata: metadataSchema.optional(),
  scope,
  config: environmentConfigParam.nullish(),
});
export type EnvironmentCreateInput = z.infer<typeof environmentCreateSchema>;

export const environmentUpdateSchema = z.strictObject({
  // null leaves the name as it is: an environment always has one.
  name: name.nullish(),
  description,
  metadata: metadataPatchSchema.optional(),
  scope,
  config: environmentConfigParam.nullish(),
});
export type EnvironmentUpdateInput = z.infer<typeof environmentUpdateSchema>;
