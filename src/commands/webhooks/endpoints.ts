// Organization webhook endpoints: create (returns the signing secret once), update, delete,
// regenerate the secret. Private and loopback targets given as IP literals are refused here unless
// the operator allows them; hostnames are checked again at every delivery, when they resolve.
import { randomBytes } from 'node:crypto';
import type { WebhookCreateInput, WebhookUpdateInput } from '../../api/schemas/webhook.js';
import { newId } from '../../api/ids.js';
import type { WebhookEndpointRecord } from '../../domain/records/webhook.js';
import { EMITTED_WEBHOOK_TYPES, UNEMITTED_WEBHOOK_TYPES } from '../../domain/webhook-events.js';
import { checkWebhookUrl, targetAllowed, type PrivateTargets } from '../../domain/webhook-target.js';
import { addressKind } from '../../net/private-address.js';
import { invalidRequest, notFound } from '../../errors.js';
import type { CommandContext } from '../context.js';

const EMITTED = new Set<string>(EMITTED_WEBHOOK_TYPES);

/** `whsec_` + 32 random bytes in base64, the Standard Webhooks secret format. */
export const newSigningSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

function checkEvents(types: readonly string[]): string[] {
  for (const [i, type] of types.entries()) {
    if (EMITTED.has(type)) continue;
    const why = UNEMITTED_WEBHOOK_TYPES[type];
    throw invalidRequest(
      why
        ? `enabled_events[${i}]: "${type}" is never emitted by agentd (${why})`
        : `enabled_events[${i}]: unknown event type "${type}"`,
    );
  }
  return [...new Set(types)];
}

function checkUrl(raw: string, privateTargets: PrivateTargets): string {
  const problem = checkWebhookUrl(raw);
  if (problem) throw invalidRequest(`url: ${problem}`);
  const host = new URL(raw).hostname.replace(/^\[|\]$/g, '');
  const kind = addressKind(host) ?? (host === 'localhost' || host.endsWith('.localhost') ? 'loopback' : undefined);
  if (kind && !targetAllowed(kind, privateTargets)) {
    throw invalidRequest(`url: ${kind} addresses are not allowed as webhook targets (the operator can allow them with AGENTD_WEBHOOK_PRIVATE_TARGETS)`);
  }
  return raw;
}

export async function getEndpoint(ctx: CommandContext, id: string): Promise<WebhookEndpointRecord> {
  const endpoint = await ctx.store.webhooks.getEndpoint(id);
  if (!endpoint) throw notFound(`webhook endpoint ${id} not found`);
  return endpoint;
}

export async function createEndpoint(
  ctx: CommandContext,
  privateTargets: PrivateTargets,
  input: WebhookCreateInput,
): Promise<WebhookEndpointRecord> {
  const now = ctx.now();
  const endpoint: WebhookEndpointRecord = {
    id: newId('whep'),
    url: checkUrl(input.url, privateTargets),
    name: input.name ?? '',
    description: input.description ?? '',
    enabledEvents: checkEvents(input.enabled_events),
    state: 'enabled',
    disabledReason: '',
    signingSecret: newSigningSecret(),
    consecutiveFailures: 0,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.store.webhooks.insertEndpoint(endpoint);
  return endpoint;
}

export async function updateEndpoint(
  ctx: CommandContext,
  privateTargets: PrivateTargets,
  id: string,
  input: WebhookUpdateInput,
): Promise<WebhookEndpointRecord> {
  const url = input.url !== undefined ? checkUrl(input.url, privateTargets) : undefined;
  // Documented: an empty list leaves the set unchanged.
  const events = input.enabled_events && input.enabled_events.length > 0 ? checkEvents(input.enabled_events) : undefined;
  const current = await getEndpoint(ctx, id);
  const enabling = input.state === 'enabled' && current.state === 'disabled';
  const next: WebhookEndpointRecord = {
    ...current,
    ...(url !== undefined ? { url } : {}),
    ...(events !== undefined ? { enabledEvents: events } : {}),
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.state !== undefined ? { state: input.state } : {}),
    // Enabling clears the automatic reason; a client's disable has none.
    ...(input.state !== undefined ? { disabledReason: '' } : {}),
    ...(enabling ? { consecutiveFailures: 0 } : {}),
    updatedAt: ctx.now(),
  };
  await ctx.store.webhooks.updateEndpoint(next, { resetFailures: enabling });
  return next;
}

export async function deleteEndpoint(ctx: CommandContext, id: string): Promise<void> {
  if (!(await ctx.store.transaction((tx) => tx.webhooks.deleteEndpoint(id)))) throw notFound(`webhook endpoint ${id} not found`);
}

export async function regenerateSecret(ctx: CommandContext, id: string): Promise<string> {
  const current = await getEndpoint(ctx, id);
  const next = { ...current, signingSecret: newSigningSecret(), updatedAt: ctx.now() };
  await ctx.store.webhooks.updateEndpoint(next, { resetFailures: false });
  return next.signingSecret;
}
