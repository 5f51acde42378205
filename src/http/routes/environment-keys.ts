// /v1/environments/:id/keys — an agentd extension: create (the key is shown once), list, revoke.
import type { FastifyInstance } from 'fastify';
import type { CommandContext } from '../../commands/context.js';
import { createEnvironmentKey, listEnvironmentKeys, revokeEnvironmentKey } from '../../commands/work/environment-keys.js';
import { presentEnvironmentKey } from '../presenters/work.js';
import type { CredentialWatch } from '../credential-watch.js';

type EnvParams = { Params: { environment_id: string } };
type KeyParams = { Params: { environment_id: string; key_id: string } };

export function environmentKeyRoutes(app: FastifyInstance, ctx: CommandContext, credentials: CredentialWatch): void {
  app.post<EnvParams>('/v1/environments/:environment_id/keys', async (req) => {
    const { record, key } = await createEnvironmentKey(ctx.store, ctx.now(), req.workspaceId, req.params.environment_id);
    return presentEnvironmentKey(record, key);
  });

  app.get<EnvParams>('/v1/environments/:environment_id/keys', async (req) => {
    const keys = await listEnvironmentKeys(ctx.store, req.workspaceId, req.params.environment_id);
    return { data: keys.map((k) => presentEnvironmentKey(k)), next_page: null };
  });

  app.delete<KeyParams>('/v1/environments/:environment_id/keys/:key_id', async (req) => {
    await revokeEnvironmentKey(ctx.store, req.workspaceId, req.params.environment_id, req.params.key_id);
    await credentials.recheck(); // streams and long polls opened with the key have ended when this answers
    return { id: req.params.key_id, type: 'environment_key_deleted' };
  });
}
