// Every route of the Claude gateway (docs/gateway.md), registered on the app in one call.
import type { FastifyInstance } from 'fastify';
import type { BatchExecutor } from '../../../gateway/batches/batch-executor.js';
import type { GatewayDeps } from '../../../gateway/gateway-deps.js';
import { ModelCatalog } from '../../../gateway/model-catalog.js';
import { batchesRoutes } from './batches.js';
import { chatCompletionsRoutes } from './chat-completions.js';
import { conversationsRoutes } from './conversations.js';
import { messagesRoutes } from './messages.js';
import { modelsRoutes } from './models.js';

/** The gateway as the app mounts it: its dependencies and the batch executor its batch routes drive. */
export interface Gateway {
  deps: GatewayDeps;
  batches: BatchExecutor;
}

export function gatewayRoutes(app: FastifyInstance, gateway: Gateway): void {
  const { deps } = gateway;
  messagesRoutes(app, deps);
  batchesRoutes(app, deps, gateway.batches);
  chatCompletionsRoutes(app, deps);
  modelsRoutes(app, new ModelCatalog(deps.modelMap));
  conversationsRoutes(app, deps.store);
}
