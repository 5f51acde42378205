// Telemetry destination records → the wire `BetaTelemetryDestination` (header values never leave).
import type { BetaTelemetryDestination } from '@anthropic-ai/sdk/resources/beta/organization/telemetry-destinations.js';
import type { TelemetryDestinationRecord } from '../../domain/records/telemetry-destination.js';

export function presentDestination(d: TelemetryDestinationRecord): BetaTelemetryDestination {
  return {
    id: d.id,
    type: 'telemetry_destination',
    display_name: d.displayName,
    endpoint_url: d.endpointUrl,
    header_names: d.headerNames,
    state: d.state === 'enabled' ? { type: 'enabled' } : { type: 'disabled', reason: { type: d.disabledReason ?? 'caller' } },
    traces: {
      enabled: d.tracesEnabled,
      content_mode: d.contentMode,
      endpoint_url: d.tracesEndpointUrl,
      max_content_bytes: d.maxContentBytes,
    },
    workspaces: { type: d.workspacesType },
    delivery_health: { last_error: d.lastError, last_error_at: d.lastErrorAt, last_success_at: d.lastSuccessAt },
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
}
