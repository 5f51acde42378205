// Environment records → the wire `BetaEnvironment`.
import type { Environment } from '../../api/wire.js';
import type { EnvironmentRecord } from '../../store/types.js';

export function presentEnvironment(e: EnvironmentRecord): Environment {
  return {
    type: 'environment',
    id: e.id,
    name: e.name,
    description: e.description,
    config: e.config,
    metadata: e.metadata,
    // `scope` is optional on the wire; a record without one simply omits it.
    ...(e.scope ? { scope: e.scope } : {}),
    created_at: e.createdAt,
    updated_at: e.updatedAt,
    archived_at: e.archivedAt,
  };
}
