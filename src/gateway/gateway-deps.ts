// What the gateway's routes and batch executor are built from (wired once in services/server.ts).
import type { GatewayConfig, ModelProviderName } from '../config/config.js';
import type { Clock } from '../domain/clock.js';
import type { ModelClient } from '../engine/model/model-client.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/types.js';
import type { UsageLedger } from '../telemetry/usage-ledger.js';
import type { KeyLimits } from './key-limits.js';
import type { RecentReplies } from './recent-replies.js';

import type { Tracer } from '@opentelemetry/api';

export interface GatewayDeps {
  store: Store;
  /** The shared model layer (model map applied, file sources resolved). */
  model: ModelClient;
  ledger: UsageLedger;
  limits: KeyLimits;
  clock: Clock;
  logger: Logger;
  config: GatewayConfig;
  provider: ModelProviderName;
  /** AGENTD_MODEL_MAP: client model id → provider model id. */
  modelMap: Readonly<Record<string, string>>;
  /** Reply id → conversation, for thread continuations that outrun the ledger (this process only). */
  replies: RecentReplies;
  /** AGENTD_SSE_STALL_MS: a streamed reply whose client takes no bytes this long is disconnected. */
  sseStallMs: number;
  /** OpenTelemetry: each generating call is a `chat` span (under its request's span). */
  tracer?: Tracer | undefined;
}

