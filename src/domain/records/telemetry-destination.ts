// A telemetry destination: an OTLP/HTTP collector that receives the spans of the workspaces it
// covers (client.beta.organization.telemetryDestinations). Header values are sealed at rest.

export type DestinationContentMode = 'metadata_only' | 'content';
export type DestinationDisabledReason = 'caller' | 'sustained_failure' | 'invalid_address' | 'redirect';

export interface TelemetryDestinationRecord {
  id: string;
  displayName: string | null;
  /** The base URL; `/v1/traces` is appended unless `tracesEndpointUrl` is set. */
  endpointUrl: string;
  tracesEndpointUrl: string | null;
  tracesEnabled: boolean;
  contentMode: DestinationContentMode;
  maxContentBytes: number | null;
  /** Names as registered (values are in `sealedHeaders`, never shown). */
  headerNames: string[];
  /** The header values: a JSON object of name → value, sealed with the row's id (src/secrets). */
  sealedHeaders: string | null;
  /** agentd serves one workspace scope: every workspace. */
  workspacesType: 'all';
  state: 'enabled' | 'disabled';
  disabledReason: DestinationDisabledReason | null;
  lastError: string | null;
  lastErrorAt: string | null;
  lastSuccessAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Where a destination's traces are posted. */
export const tracesUrl = (d: Pick<TelemetryDestinationRecord, 'endpointUrl' | 'tracesEndpointUrl'>): string =>
  d.tracesEndpointUrl ?? `${d.endpointUrl.replace(/\/+$/, '')}/v1/traces`;
