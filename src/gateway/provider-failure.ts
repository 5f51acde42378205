// A failed model call as the gateway answers it: the provider's own status, error and retry headers.
import { FileSourceError } from '../engine/model/file-sources.js';
import { providerErrorReply, type ProviderErrorReply } from '../engine/model/provider-errors.js';
import { invalidRequest } from '../errors.js';

export type GatewayFailure = ProviderErrorReply;

/**
 * The provider failure to hand back to the client. A file source the model layer could not resolve is the client's
 * mistake (thrown as a 400 naming the field); anything else that is not a provider failure is agentd's (rethrown:
 * a logged 500).
 */
export function failureOf(err: unknown): GatewayFailure {
  if (err instanceof FileSourceError) throw invalidRequest(err.message);
  const failure = providerErrorReply(err);
  if (!failure) throw err;
  return failure;
}

/** The provider's request id of a failed call, when there is one (for the ledger). */
export const failedRequestId = (err: unknown): string | undefined => providerErrorReply(err)?.providerRequestId;
