// Every route of the Claude gateway (docs/gateway.md), registered on the app in one call.
import type { FastifyInstance } from 'fastify';
import { conversationsRoutes } from './conversations-routes.js';
import { batchesRoutes } from './batches/batches-routes.js';
import { chatCompletionsRoutes } from './openai/chat-routes.js';
import type { Gateway } from './gateway-deps.js';
import { messagesRoutes } from './messages-routes.js';
import { ModelCatalog } from './model-catalog.js';
import { modelsRoutes } from './models-routes.js';

export function gatewayRoutes(app: FastifyInstance, gateway: Gateway): void {
  const { deps } = gateway;
  messagesRoutes(app, deps);
  batchesRoutes(app, deps, gateway.batches);
  chatCompletionsRoutes(app, deps);
  modelsRoutes(app, new ModelCatalog(deps.modelMap));
  conversationsRoutes(app, deps.store);
}
