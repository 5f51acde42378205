// /v1/vaults and /v1/vaults/{id}/credentials, as the SDK's vaults and vaults.credentials call them.
import type { FastifyInstance } from 'fastify';
import { credentialCreateSchema, credentialUpdateSchema, vaultCreateSchema, vaultUpdateSchema } from '../../api/schemas/vault.js';
import {
  archiveCredential,
  createCredential,
  deleteCredential,
  getCredential,
  updateCredential,
} from '../../commands/vaults/credentials.js';
import type { VaultDeps } from '../../commands/vaults/vault-deps.js';
import { archiveVault, createVault, deleteVault, getVault, updateVault } from '../../commands/vaults/vaults.js';
import { pageRequest, wirePage } from '../pagination.js';
import { presentCredential, presentVault } from '../presenters/vault.js';
import { queryBoolean, type Query } from '../query.js';
import { parseInput } from '../validate.js';

type VaultParams = { Params: { vault_id: string }; Querystring: Query };
type CredentialParams = { Params: { vault_id: string; credential_id: string }; Querystring: Query };

const listPage = (q: Query) => pageRequest<string>(q, { defaultLimit: 20, maxLimit: 100, defaultOrder: 'desc', keyType: 'string' });

export function vaultRoutes(app: FastifyInstance, deps: VaultDeps): void {
  app.post('/v1/vaults', async (req) => presentVault(await createVault(deps, req.workspaceId, parseInput(vaultCreateSchema, req.body))));

  app.get<{ Querystring: Query }>('/v1/vaults', async (req) => {
    const page = listPage(req.query);
    const result = await deps.store.vaults.listVaults(req.workspaceId, queryBoolean(req.query, 'include_archived') ?? false, page);
    return wirePage(result, page, (v) => v.id, presentVault);
  });

  app.get<VaultParams>('/v1/vaults/:vault_id', async (req) =>
    presentVault(await getVault(deps.store, req.workspaceId, req.params.vault_id)),
  );

  app.post<VaultParams>('/v1/vaults/:vault_id', async (req) =>
    presentVault(await updateVault(deps, req.workspaceId, req.params.vault_id, parseInput(vaultUpdateSchema, req.body))),
  );

  app.post<VaultParams>('/v1/vaults/:vault_id/archive', async (req) =>
    presentVault(await archiveVault(deps, req.workspaceId, req.params.vault_id)),
  );

  app.delete<VaultParams>('/v1/vaults/:vault_id', async (req) => {
    await deleteVault(deps, req.workspaceId, req.params.vault_id);
    return { id: req.params.vault_id, type: 'vault_deleted' as const };
  });

  app.post<VaultParams>('/v1/vaults/:vault_id/credentials', async (req) =>
    presentCredential(
      await createCredential(deps, req.workspaceId, req.params.vault_id, parseInput(credentialCreateSchema, req.body)),
    ),
  );

  app.get<VaultParams>('/v1/vaults/:vault_id/credentials', async (req) => {
    await getVault(deps.store, req.workspaceId, req.params.vault_id);
    const page = listPage(req.query);
    const result = await deps.store.vaults.listCredentials(
      req.params.vault_id,
      queryBoolean(req.query, 'include_archived') ?? false,
      page,
    );
    return wirePage(result, page, (c) => c.id, presentCredential);
  });

  app.get<CredentialParams>('/v1/vaults/:vault_id/credentials/:credential_id', async (req) =>
    presentCredential(await getCredential(deps.store, req.workspaceId, req.params.vault_id, req.params.credential_id)),
  );

  app.post<CredentialParams>('/v1/vaults/:vault_id/credentials/:credential_id', async (req) =>
    presentCredential(
      await updateCredential(
        deps,
        req.workspaceId,
        req.params.vault_id,
        req.params.credential_id,
        parseInput(credentialUpdateSchema, req.body),
      ),
    ),
  );

  app.post<CredentialParams>('/v1/vaults/:vault_id/credentials/:credential_id/archive', async (req) =>
    presentCredential(await archiveCredential(deps, req.workspaceId, req.params.vault_id, req.params.credential_id)),
  );

  app.delete<CredentialParams>('/v1/vaults/:vault_id/credentials/:credential_id', async (req) => {
    await deleteCredential(deps, req.workspaceId, req.params.vault_id, req.params.credential_id);
    return { id: req.params.credential_id, type: 'vault_credential_deleted' as const };
  });
}
