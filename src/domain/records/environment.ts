// Environment records: where a session's tools run (cloud sandbox or self-hosted workers).
import type { Environment } from '../../api/wire.js';

export interface EnvironmentRecord {
  id: string;
  workspaceId: string;
  name: string;
  description: string | null;
  config: Environment['config'];
  metadata: Record<string, string>;
  scope: Environment['scope'] | null;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}
