// Request schemas for /v1/vaults and their credentials, with the limits the SDK documents.
import { z } from 'zod';
import { metadataPatchSchema, metadataSchema } from './common.js';

export const VAULT_NAME_MAX = 255;
export const CREDENTIAL_NAME_MAX = 255;
export const ALLOWED_HOSTS_MAX = 16;
const URL_MAX = 2048;
const SECRET_MAX = 16_384;

const displayName = z.string().min(1).max(VAULT_NAME_MAX);

export const vaultCreateSchema = z.strictObject({ display_name: displayName, metadata: metadataSchema.optional() });
export type VaultCreateInput = z.infer<typeof vaultCreateSchema>;

export const vaultUpdateSchema = z.strictObject({ display_name: displayName.nullish(), metadata: metadataPatchSchema.nullish() });
export type VaultUpdateInput = z.infer<typeof vaultUpdateSchema>;

const httpUrl = z
  .string()
  .max(URL_MAX)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), { message: 'must be an http or https URL' });
const secret = z.string().min(1).max(SECRET_MAX);
/** RFC 3339 with an explicit offset (Z or ±hh:mm). */
const rfc3339 = z.string().datetime({ offset: true });

const HOST_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOSTNAME = new RegExp(`^(?:\\*\\.)?${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const allowedHost = z
  .string()
  .max(253)
  .refine((h) => IPV4.test(h) || (HOSTNAME.test(h) && !/^\*\.\d+(\.\d+)*$/.test(h)), {
    message: 'must be a bare hostname, an IPv4 address or a *. wildcard (no URLs, ports, paths or IPv6 addresses)',
  });

export const networkingSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('unrestricted') }),
  z.strictObject({ type: z.literal('limited'), allowed_hosts: z.array(allowedHost).min(1).max(ALLOWED_HOSTS_MAX) }),
]);
export type NetworkingInput = z.infer<typeof networkingSchema>;

const injectionLocation = z.strictObject({ body: z.boolean().optional(), header: z.boolean().optional() });

const tokenEndpointAuth = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({ type: z.literal('client_secret_basic'), client_secret: secret }),
  z.strictObject({ type: z.literal('client_secret_post'), client_secret: secret }),
]);

const refreshCreate = z.strictObject({
  client_id: z.string().min(1).max(URL_MAX),
  refresh_token: secret,
  token_endpoint: httpUrl,
  token_endpoint_auth: tokenEndpointAuth,
  resource: z.string().max(URL_MAX).nullish(),
  scope: z.string().max(URL_MAX).nullish(),
});

/** POSIX-style environment variable names. */
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const credentialAuthCreateSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('static_bearer'), token: secret, mcp_server_url: httpUrl }),
  z.strictObject({
    type: z.literal('mcp_oauth'),
    access_token: secret,
    mcp_server_url: httpUrl,
    expires_at: rfc3339.nullish(),
    refresh: refreshCreate.nullish(),
  }),
  z.strictObject({
    type: z.literal('environment_variable'),
    secret_name: z.string().min(1).max(256).regex(SECRET_NAME, 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)'),
    secret_value: secret,
    networking: networkingSchema,
    injection_location: injectionLocation.optional(),
  }),
]);
export type CredentialAuthCreateInput = z.infer<typeof credentialAuthCreateSchema>;

export const credentialCreateSchema = z.strictObject({
  auth: credentialAuthCreateSchema,
  display_name: z.string().max(CREDENTIAL_NAME_MAX).nullish(),
  metadata: metadataSchema.optional(),
});
export type CredentialCreateInput = z.infer<typeof credentialCreateSchema>;

const clientSecretUpdate = z.strictObject({
  type: z.enum(['client_secret_basic', 'client_secret_post']),
  client_secret: secret.nullish(),
});

export const credentialAuthUpdateSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('static_bearer'), token: secret.nullish() }),
  z.strictObject({
    type: z.literal('mcp_oauth'),
    access_token: secret.nullish(),
    expires_at: rfc3339.nullish(),
    refresh: z
      .strictObject({
        refresh_token: secret.nullish(),
        scope: z.string().max(URL_MAX).nullish(),
        token_endpoint_auth: clientSecretUpdate.optional(),
      })
      .nullish(),
  }),
  z.strictObject({
    type: z.literal('environment_variable'),
    secret_value: secret.nullish(),
    networking: networkingSchema.nullish(),
    injection_location: injectionLocation.optional(),
  }),
]);
export type CredentialAuthUpdateInput = z.infer<typeof credentialAuthUpdateSchema>;

export const credentialUpdateSchema = z.strictObject({
  auth: credentialAuthUpdateSchema.optional(),
  display_name: z.string().min(1).max(CREDENTIAL_NAME_MAX).nullish(),
  metadata: metadataPatchSchema.nullish(),
});
export type CredentialUpdateInput = z.infer<typeof credentialUpdateSchema>;
