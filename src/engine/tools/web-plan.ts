// Where a session's web tools run (domain/web-tools.ts), from the configured provider, the
// operator's AGENTD_WEB_FETCH, the agent's web_fetch policy and the environment's networking.
import type { SessionAgent } from '../../api/wire.js';
import type { EngineConfig } from '../../config/config.js';
import { toolPolicies } from '../../domain/permissions.js';
import type { EnvironmentRecord } from '../../store/types.js';
import { webToolPlan, type WebToolPlan } from '../../domain/web-tools.js';

export function sessionWebPlan(config: EngineConfig, environment: EnvironmentRecord, agent: SessionAgent): WebToolPlan {
  const env = environment.config;
  return webToolPlan(config.provider, {
    runner: config.webFetch.runner,
    webFetchPolicy: toolPolicies(agent).builtins.get('web_fetch'),
    limitedNetworking: env.type === 'cloud' && env.networking?.type === 'limited',
  });
}
