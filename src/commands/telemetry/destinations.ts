// Telemetry destinations: create, read, update, delete. Header values are sealed at rest with the
// row's id (src/secrets) and never returned; every change tells the exporter (`changed`), which
// starts, restarts or stops the destination's export.
import { newId } from '../../api/ids.js';
import type { TelemetryDestinationCreateInput, TelemetryDestinationUpdateInput } from '../../api/schemas/telemetry-destination.js';
import type { TelemetryDestinationRecord } from '../../domain/records/telemetry-destination.js';
import { conflict, invalidRequest, notFound } from '../../errors.js';
import type { SecretBox } from '../../secrets/secret-box.js';
import type { Store } from '../../store/types.js';
import { checkEndpointUrl, checkHeaders, origin } from './destination-rules.js';

/** The most destinations an installation holds, disabled ones included (as documented). */
export const MAX_DESTINATIONS = 10;
/** The largest max_content_bytes (the "API's maximum"): content on one span. */
export const MAX_CONTENT_BYTES = 1024 * 1024;
/** A header value that cannot be read back counts this much toward the total (as documented). */
const UNKNOWN_VALUE_BYTES = 4096;

export interface DestinationDeps {
  store: Store;
  now: () => string;
  secrets: SecretBox;
  /** The destinations changed: re-read them for export (resolves once export follows the change). */
  changed: () => Promise<void>;
}

function checkWorkspaces(workspaces: TelemetryDestinationCreateInput['workspaces']): 'all' {
  // One installation is one workspace scope here: a list of workspaces would select nothing else.
  if (workspaces.type !== 'all') throw invalidRequest(`workspaces.type: agentd supports "all" only (destinations cover every workspace of the installation)`);
  return 'all';
}

function checkMaxContent(value: number | null | undefined): number | null {
  if (value === undefined || value === null) return null;
  if (value > MAX_CONTENT_BYTES) throw invalidRequest(`traces.max_content_bytes: at most ${MAX_CONTENT_BYTES}`);
  return value;
}

function checkTracesUrl(raw: string, endpoint: URL): string {
  const url = checkEndpointUrl(raw, 'traces.endpoint_url');
  if (origin(url) !== origin(endpoint)) throw invalidRequest('traces.endpoint_url: must have the scheme, host and port of endpoint_url');
  return raw;
}

/** The stored header values of a destination (name → value). */
export function openHeaders(secrets: SecretBox, d: Pick<TelemetryDestinationRecord, 'id' | 'sealedHeaders'>): Record<string, string> {
  return d.sealedHeaders ? (JSON.parse(secrets.open(d.sealedHeaders, d.id)) as Record<string, string>) : {};
}

function sealHeaders(secrets: SecretBox, id: string, headers: Record<string, string>): Pick<TelemetryDestinationRecord, 'headerNames' | 'sealedHeaders'> {
  const names = Object.keys(headers);
  return { headerNames: names, sealedHeaders: names.length > 0 ? secrets.seal(JSON.stringify(headers), id) : null };
}

export async function getDestination(deps: Pick<DestinationDeps, 'store'>, id: string): Promise<TelemetryDestinationRecord> {
  const d = await deps.store.telemetryDestinations.get(id);
  if (!d) throw notFound(`telemetry destination ${id} not found`);
  return d;
}

export async function createDestination(deps: DestinationDeps, input: TelemetryDestinationCreateInput): Promise<TelemetryDestinationRecord> {
  const endpoint = checkEndpointUrl(input.endpoint_url, 'endpoint_url');
  const workspacesType = checkWorkspaces(input.workspaces);
  const headers = input.headers ?? {};
  checkHeaders(headers);
  const tracesEndpointUrl = input.traces?.endpoint_url ? checkTracesUrl(input.traces.endpoint_url, endpoint) : null;
  const maxContentBytes = checkMaxContent(input.traces?.max_content_bytes);
  if ((await deps.store.telemetryDestinations.count()) >= MAX_DESTINATIONS) {
    throw invalidRequest(`an installation can have at most ${MAX_DESTINATIONS} telemetry destinations, disabled ones included`);
  }
  const now = deps.now();
  const id = newId('tdst');
  const destination: TelemetryDestinationRecord = {
    id,
    displayName: input.display_name ?? null,
    endpointUrl: input.endpoint_url,
    tracesEndpointUrl,
    tracesEnabled: input.traces?.enabled ?? true,
    contentMode: input.traces?.content_mode ?? 'metadata_only',
    maxContentBytes,
    ...sealHeaders(deps.secrets, id, headers),
    workspacesType,
    state: 'enabled',
    disabledReason: null,
    lastError: null,
    lastErrorAt: null,
    lastSuccessAt: null,
    createdAt: now,
    updatedAt: now,
  };
  await deps.store.telemetryDestinations.insert(destination);
  await deps.changed();
  return destination;
}

/** The merged header set of an update (names case-insensitive; null removes). */
function mergeHeaders(stored: Record<string, string>, changes: Record<string, string | null>): Record<string, string> {
  const merged = { ...stored };
  for (const [name, value] of Object.entries(changes)) {
    for (const existing of Object.keys(merged)) if (existing.toLowerCase() === name.toLowerCase()) delete merged[existing];
    if (value !== null) merged[name] = value;
  }
  return merged;
}

export async function updateDestination(deps: DestinationDeps, id: string, input: TelemetryDestinationUpdateInput): Promise<TelemetryDestinationRecord> {
  if (Object.keys(input).length === 0) throw invalidRequest('send at least one field to change');
  if (input.headers === null) throw invalidRequest('headers: cannot be null');
  const current = await getDestination(deps, id);
  const endpoint = checkEndpointUrl(input.endpoint_url ?? current.endpointUrl, 'endpoint_url');
  const movedOrigin = input.endpoint_url !== undefined && origin(endpoint) !== origin(new URL(current.endpointUrl));
  const setsValue = Object.values(input.headers ?? {}).some((v) => v !== null);
  if (setsValue && input.endpoint_url === undefined) throw invalidRequest('endpoint_url: a request that sets a header value must include endpoint_url (the current one is accepted)');

  // A new host or port drops every registered header; the request's own headers then apply.
  const stored = movedOrigin ? {} : openHeaders(deps.secrets, current);
  const headers = input.headers ? mergeHeaders(stored, input.headers) : stored;
  if (input.headers) {
    const sent = new Set(Object.keys(input.headers).map((n) => n.toLowerCase()));
    const unread = setsValue ? Object.keys(headers).filter((n) => !sent.has(n.toLowerCase())).length : 0;
    const sentOnly = Object.fromEntries(Object.entries(headers).filter(([n]) => !setsValue || sent.has(n.toLowerCase())));
    checkHeaders(setsValue ? sentOnly : headers, unread * UNKNOWN_VALUE_BYTES);
    if (Object.keys(headers).length > 20) throw invalidRequest('headers: at most 20 headers');
  }

  const traces = input.traces === null ? { content_mode: null, enabled: true, endpoint_url: null, max_content_bytes: null } : input.traces;
  let tracesEndpointUrl = current.tracesEndpointUrl;
  if (traces?.endpoint_url !== undefined) tracesEndpointUrl = traces.endpoint_url === null ? null : checkTracesUrl(traces.endpoint_url, endpoint);
  else if (movedOrigin && current.tracesEndpointUrl) {
    throw invalidRequest('traces.endpoint_url: the endpoint moved to another host or port: set traces.endpoint_url for it too, or null');
  }

  let state = current.state;
  let disabledReason = current.disabledReason;
  if (input.state?.type === 'enabled') {
    state = 'enabled';
    disabledReason = null;
  } else if (input.state?.type === 'disabled' && current.state === 'enabled') {
    state = 'disabled';
    disabledReason = 'caller';
  }

  const next: TelemetryDestinationRecord = {
    ...current,
    ...(input.display_name !== undefined ? { displayName: input.display_name } : {}),
    endpointUrl: input.endpoint_url ?? current.endpointUrl,
    tracesEndpointUrl,
    ...(traces?.enabled !== undefined ? { tracesEnabled: traces.enabled } : {}),
    ...(traces?.content_mode !== undefined ? { contentMode: traces.content_mode ?? 'metadata_only' } : {}),
    ...(traces?.max_content_bytes !== undefined ? { maxContentBytes: checkMaxContent(traces.max_content_bytes) } : {}),
    ...(input.headers !== undefined || movedOrigin ? sealHeaders(deps.secrets, id, headers) : {}),
    ...(input.workspaces ? { workspacesType: checkWorkspaces(input.workspaces) } : {}),
    state,
    disabledReason,
    updatedAt: laterThan(deps.now(), current.updatedAt),
  };
  const enabling = current.state === 'disabled' && state === 'enabled';
  if (!(await deps.store.telemetryDestinations.update(next, current.updatedAt, { enabling }))) {
    throw conflict('the telemetry destination changed while this update ran: read it again, then retry the update');
  }
  await deps.changed();
  return next;
}

/** `now`, or a millisecond after `previous` when the clock has not moved past it (updated_at is the update's version). */
function laterThan(now: string, previous: string): string {
  return now > previous ? now : new Date(Date.parse(previous) + 1).toISOString();
}

export async function deleteDestination(deps: DestinationDeps, id: string): Promise<void> {
  if (!(await deps.store.telemetryDestinations.delete(id))) throw notFound(`telemetry destination ${id} not found`);
  await deps.changed();
}
