// Environment use cases: create, update, archive, delete, and the lookups other resources rely on.
import type { EnvironmentConfigParam, EnvironmentCreateInput, EnvironmentUpdateInput } from '../api/schemas/environment.js';
import { METADATA_MAX_PAIRS } from '../api/schemas/common.js';
import { newId } from '../api/ids.js';
import type { CloudConfig, Environment } from '../api/wire.js';
import { applyMetadataPatch } from '../domain/metadata.js';
import { conflict, invalidRequest, notFound } from '../errors.js';
import { UniqueViolationError } from '../store/errors.js';
import type { EnvironmentRecord, Store } from '../store/types.js';
import type { CommandContext } from './context.js';
import { emitWebhook } from './webhooks/emit.js';

const DEFAULT_SCOPE = 'organization';

export async function getEnvironment(store: Store, workspaceId: string, id: string): Promise<EnvironmentRecord> {
  const env = await store.environments.get(workspaceId, id);
  if (!env) throw notFound(`environment ${id} not found`, 'environment_not_found');
  return env;
}

/** For new sessions: the environment must exist and not be archived. `field` names the request field. */
export async function requireUsableEnvironment(
  store: Store,
  workspaceId: string,
  id: string,
  field: string,
): Promise<EnvironmentRecord> {
  const env = await store.environments.get(workspaceId, id);
  if (!env) throw notFound(`${field}: environment ${id} not found`, 'environment_not_found');
  if (env.archivedAt) {
    throw invalidRequest(
      `${field}: environment ${id} is archived; archived environments cannot be used by new sessions`,
      'environment_archived',
    );
  }
  return env;
}

const PACKAGE_MANAGERS = ['apt', 'cargo', 'gem', 'go', 'npm', 'pip'] as const;
const PACKAGE_NAME_MAX = 214;

/**
 * A package as its manager's command line takes it: a name with an optional version pin or
 * constraint (`jq`, `jq=1.6-2`, `requests==2.31.0`, `left-pad@1.3.0`, `@scope/pkg`,
 * `golang.org/x/tools/cmd/stringer@latest`, `rails:7.1`). Options, spaces and shell syntax are refused.
 */
function packageNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > PACKAGE_NAME_MAX) return `must be at most ${PACKAGE_NAME_MAX} characters`;
  if (!/^[A-Za-z0-9@_]/.test(name)) return 'must start with a letter, a digit, "@" or "_" (options are not accepted)';
  if (!/^[A-Za-z0-9@_.+~:=<>!\/^*,\[\]-]+$/.test(name)) return 'may contain only letters, digits and . _ + ~ : = < > ! / ^ * , [ ] - @';
  return undefined;
}

/** The full stored shape: every omitted setting gets its documented default. */
export function normalizeEnvironmentConfig(param: EnvironmentConfigParam | null | undefined): Environment['config'] {
  if (param?.type === 'self_hosted') return { type: 'self_hosted' };
  const net = param?.networking;
  const networking: CloudConfig['networking'] =
    !net || net.type === 'unrestricted'
      ? { type: 'unrestricted' }
      : {
          type: 'limited',
          allowed_hosts: [...(net.allowed_hosts ?? [])],
          allow_package_managers: net.allow_package_managers ?? false,
          allow_mcp_servers: net.allow_mcp_servers ?? false,
        };
  const pkgs = param?.packages;
  const packages: CloudConfig['packages'] = {
    type: 'packages',
    apt: [...(pkgs?.apt ?? [])],
    cargo: [...(pkgs?.cargo ?? [])],
    gem: [...(pkgs?.gem ?? [])],
    go: [...(pkgs?.go ?? [])],
    npm: [...(pkgs?.npm ?? [])],
    pip: [...(pkgs?.pip ?? [])],
  };
  // Under limited networking the registries are unreachable unless allowed, so installs would fail.
  const wantsPackages = PACKAGE_MANAGERS.some((m) => packages[m].length > 0);
  if (networking.type === 'limited' && wantsPackages && !networking.allow_package_managers) {
    throw invalidRequest('config.networking.allow_package_managers: must be true when packages are specified');
  }
  for (const m of PACKAGE_MANAGERS) {
    packages[m].forEach((name, i) => {
      const problem = packageNameProblem(name);
      if (problem) throw invalidRequest(`config.packages.${m}[${i}]: ${problem}`);
    });
  }
  return { type: 'cloud', networking, packages };
}

function checkMetadataSize(metadata: Record<string, string>): void {
  if (Object.keys(metadata).length > METADATA_MAX_PAIRS) {
    throw invalidRequest(`metadata: at most ${METADATA_MAX_PAIRS} metadata pairs are allowed`, 'invalid_metadata');
  }
}

const nameTaken = (name: string) => conflict(`an environment named "${name}" already exists in this workspace`);

/**
 * Runs a write, turning the store's unique-name violation into a 409. The database constraint is
 * the only check, so concurrent creates and renames cannot both win.
 */
async function guardName(name: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (err) {
    if (err instanceof UniqueViolationError) throw nameTaken(name);
    throw err;
  }
}

export async function createEnvironment(
  ctx: CommandContext,
  workspaceId: string,
  input: EnvironmentCreateInput,
): Promise<EnvironmentRecord> {
  const config = normalizeEnvironmentConfig(input.config);
  const now = ctx.now();
  const env: EnvironmentRecord = {
    id: newId('env'),
    workspaceId,
    name: input.name,
    description: input.description ?? null,
    config,
    metadata: { ...(input.metadata ?? {}) },
    scope: input.scope ?? DEFAULT_SCOPE,
    createdAt: now,
    updatedAt: now,
    archivedAt: null,
  };
  await guardName(env.name, () =>
    ctx.store.transaction(async (tx) => {
      await tx.environments.insert(env);
      await emitWebhook(tx, 'environment.created', env.id, workspaceId, now);
    }),
  );
  return env;
}

const sameEnvironment = (a: EnvironmentRecord, b: EnvironmentRecord) => JSON.stringify(a) === JSON.stringify(b);

/** Omitted fields keep their value; `config` replaces the whole config but never its type. */
export async function updateEnvironment(
  ctx: CommandContext,
  workspaceId: string,
  id: string,
  input: EnvironmentUpdateInput,
): Promise<EnvironmentRecord> {
  const current = await getEnvironment(ctx.store, workspaceId, id);
  if (current.archivedAt) {
    throw invalidRequest(`environment ${id} is archived and read-only`, 'environment_archived');
  }
  let config = current.config;
  if (input.config) {
    if (input.config.type !== current.config.type) {
      throw invalidRequest(
        `config.type: environment ${id} is ${current.config.type}; the config type cannot change after creation`,
        'invalid_config_type_change',
      );
    }
    config = normalizeEnvironmentConfig(input.config);
  }
  // On environments an empty string deletes a key, like null.
  const patch =
    input.metadata && Object.fromEntries(Object.entries(input.metadata).map(([k, v]) => [k, v === '' ? null : v]));
  const metadata = applyMetadataPatch(current.metadata, patch);
  checkMetadataSize(metadata);
  const name = input.name ?? current.name;
  const next: EnvironmentRecord = {
    ...current,
    name,
    description: input.description === undefined ? current.description : input.description,
    scope: input.scope === undefined ? current.scope : (input.scope ?? DEFAULT_SCOPE),
    config,
    metadata,
  };
  // An update that changes nothing leaves updated_at alone.
  if (sameEnvironment(next, current)) return current;
  next.updatedAt = ctx.now();
  await guardName(name, () =>
    ctx.store.transaction(async (tx) => {
      await tx.environments.update(next);
      await emitWebhook(tx, 'environment.updated', id, workspaceId, next.updatedAt);
    }),
  );
  // Runners of its sessions (on any replica) read it again at their next run.
  ctx.log.bus.wake('environment', id);
  return next;
}

/** Archiving is terminal and idempotent: the environment becomes read-only for good. */
export async function archiveEnvironment(ctx: CommandContext, workspaceId: string, id: string): Promise<EnvironmentRecord> {
  const env = await getEnvironment(ctx.store, workspaceId, id);
  if (env.archivedAt) return env;
  const now = ctx.now();
  const archived = { ...env, archivedAt: now, updatedAt: now };
  await ctx.store.transaction(async (tx) => {
    await tx.environments.update(archived);
    await emitWebhook(tx, 'environment.archived', id, workspaceId, now);
  });
  ctx.log.bus.wake('environment', id);
  return archived;
}

export async function deleteEnvironment(ctx: CommandContext, workspaceId: string, id: string): Promise<void> {
  await ctx.store.transaction(async (tx) => {
    const env = await getEnvironment(tx, workspaceId, id);
    const active = await tx.sessions.countActiveInEnvironment(env.id);
    if (active > 0) {
      throw conflict(
        `environment ${id} is still used by ${active} active session${active === 1 ? '' : 's'}; ` +
          'archive or delete those sessions first, or archive the environment instead',
      );
    }
    await tx.environments.delete(env.id);
    await emitWebhook(tx, 'environment.deleted', env.id, workspaceId, ctx.now());
  });
  ctx.log.bus.wake('environment', id);
}
