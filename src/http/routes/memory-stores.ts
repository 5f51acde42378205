// /v1/memory_stores: stores, their memories and memory versions, as the SDK's memoryStores,
// memoryStores.memories and memoryStores.memoryVersions call them.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MemoryView } from '../../api/memory-wire.js';
import {
  memoryCreateSchema,
  memoryStoreCreateSchema,
  memoryStoreUpdateSchema,
  memoryUpdateSchema,
  sha256Hex,
} from '../../api/schemas/memory-store.js';
import type { CommandContext } from '../../commands/context.js';
import { createMemory, deleteMemory, getMemory, listMemories, updateMemory } from '../../commands/memory-stores/memories.js';
import {
  archiveMemoryStore,
  createMemoryStore,
  deleteMemoryStore,
  getMemoryStore,
  updateMemoryStore,
} from '../../commands/memory-stores/memory-stores.js';
import { getMemoryVersion, redactMemoryVersion } from '../../commands/memory-stores/memory-versions.js';
import { pathPrefixProblem } from '../../domain/memory-path.js';
import { invalidRequest } from '../../errors.js';
import { ActorType, type ActorRef, type MemoryOperation, type MemoryOrderBy } from '../../store/memory-types.js';
import { pageRequest, wirePage } from '../pagination.js';
import { presentListedItem, presentMemory, presentMemoryStore, presentMemoryVersion } from '../presenters/memory-store.js';
import { createdAtFilter, queryBoolean, queryInt, queryString, type Query } from '../query.js';
import { requestActor } from '../request-actor.js';
import { parseInput } from '../validate.js';
import { resumeKey } from '../../domain/memory-listing.js';
import { checkWorkerMemoryAccess } from './worker-access.js';
import { forPrincipals } from '../route-config.js';

type StoreParams = { Params: { memory_store_id: string }; Querystring: Query };
type MemoryParams = { Params: { memory_store_id: string; memory_id: string }; Querystring: Query };
type VersionParams = { Params: { memory_store_id: string; version_id: string }; Querystring: Query };

/** List pages with `view=full` hold at most this many items (as documented). */
const FULL_VIEW_MAX = 20;
const ORDER_BY: readonly MemoryOrderBy[] = ['path', 'created_at', 'updated_at'];
const OPERATIONS: readonly MemoryOperation[] = ['created', 'modified', 'deleted'];

function viewOf(q: Query, fallback: MemoryView): MemoryView {
  const v = queryString(q, 'view');
  if (v === undefined) return fallback;
  if (v !== 'basic' && v !== 'full') throw invalidRequest('view: must be "basic" or "full"');
  return v;
}

/** `limit` as the page parser reads it, then capped at 20 for full views. */
function listPage(q: Query, view: MemoryView, defaultOrder: 'asc' | 'desc') {
  const page = pageRequest<string>(q, { defaultLimit: 20, maxLimit: 100, defaultOrder, keyType: 'string' });
  if (view === 'full') page.limit = Math.min(page.limit, FULL_VIEW_MAX);
  return page;
}

function oneOf<T extends string>(q: Query, name: string, allowed: readonly T[]): T | undefined {
  const v = queryString(q, name);
  if (v !== undefined && !(allowed as readonly string[]).includes(v)) {
    throw invalidRequest(`${name}: must be one of ${allowed.join(', ')}`);
  }
  return v as T | undefined;
}

/** The versions' actor filter: at most one of session_id, api_key_id, service_account_id. */
function actorFilter(q: Query): ActorRef | undefined {
  const given = (
    [
      ['session_id', ActorType.session],
      ['api_key_id', ActorType.api],
      ['service_account_id', ActorType.serviceAccount],
    ] as const
  ).flatMap(([name, type]) => {
    const id = queryString(q, name);
    return id === undefined ? [] : [{ name, ref: { type, id } }];
  });
  if (given.length > 1) throw invalidRequest(`${given.map((g) => g.name).join(', ')}: filter by one actor at a time`);
  return given[0]?.ref;
}

export function memoryStoreRoutes(app: FastifyInstance, ctx: CommandContext): void {
  void app.register(async (scope) => {
    // These 409s (path taken, stale precondition, archived store) are answers, not lock timeouts:
    // tell the SDK not to retry them.
    scope.addHook('onSend', async (_req, reply) => {
      if (reply.statusCode === 409) void reply.header('x-should-retry', 'false');
    });
    // A self-hosted worker's session token reaches only the stores its session mounts.
    scope.addHook('preHandler', async (req: FastifyRequest) => checkWorkerMemoryAccess(ctx.store, req));
    registerStoreRoutes(scope, ctx);
    registerMemoryRoutes(scope, ctx);
    registerVersionRoutes(scope, ctx);
  });
}

function registerStoreRoutes(app: FastifyInstance, ctx: CommandContext): void {
  app.post('/v1/memory_stores', async (req) =>
    presentMemoryStore(await createMemoryStore(ctx, req.workspaceId, parseInput(memoryStoreCreateSchema, req.body))),
  );

  app.get<{ Querystring: Query }>('/v1/memory_stores', async (req) => {
    const page = pageRequest<string>(req.query, { defaultLimit: 20, maxLimit: 100, defaultOrder: 'desc', keyType: 'string' });
    const result = await ctx.store.memoryStores.listStores(
      req.workspaceId,
      { includeArchived: queryBoolean(req.query, 'include_archived') ?? false, createdAt: createdAtFilter(req.query) },
      page,
    );
    return wirePage(result, page, (s) => s.id, presentMemoryStore);
  });

  app.get<StoreParams>('/v1/memory_stores/:memory_store_id', async (req) =>
    presentMemoryStore(await getMemoryStore(ctx.store, req.workspaceId, req.params.memory_store_id)),
  );

  app.post<StoreParams>('/v1/memory_stores/:memory_store_id', async (req) =>
    presentMemoryStore(
      await updateMemoryStore(ctx, req.workspaceId, req.params.memory_store_id, parseInput(memoryStoreUpdateSchema, req.body)),
    ),
  );

  app.post<StoreParams>('/v1/memory_stores/:memory_store_id/archive', async (req) =>
    presentMemoryStore(await archiveMemoryStore(ctx, req.workspaceId, req.params.memory_store_id)),
  );

  app.delete<StoreParams>('/v1/memory_stores/:memory_store_id', async (req) => {
    await deleteMemoryStore(ctx, req.workspaceId, req.params.memory_store_id);
    return { id: req.params.memory_store_id, type: 'memory_store_deleted' as const };
  });
}

function registerMemoryRoutes(app: FastifyInstance, ctx: CommandContext): void {
  const MEMORIES = '/v1/memory_stores/:memory_store_id/memories';
  // The SDK worker's memory sync reaches the stores its session mounts (checked per store by worker-access.ts).
  const WORKER = forPrincipals('api_key', 'work_token');

  app.post<StoreParams>(MEMORIES, WORKER, async (req) => {
    const view = viewOf(req.query, 'basic');
    const input = parseInput(memoryCreateSchema, req.body);
    const memory = await createMemory(ctx, req.workspaceId, req.params.memory_store_id, input, requestActor(req));
    return presentMemory(memory, view);
  });

  app.get<StoreParams>(MEMORIES, WORKER, async (req) => {
    const q = req.query;
    const store = await getMemoryStore(ctx.store, req.workspaceId, req.params.memory_store_id);
    const view = viewOf(q, 'basic');
    const prefix = queryString(q, 'path_prefix') ?? '/';
    const prefixProblem = pathPrefixProblem(prefix);
    if (prefixProblem) throw invalidRequest(`path_prefix: ${prefixProblem}`);
    const depth = queryInt(q, 'depth') ?? 0;
    if (depth < 0) throw invalidRequest('depth: must be 0 or more');
    const orderBy = oneOf(q, 'order_by', ORDER_BY) ?? 'path';
    if (depth > 0 && orderBy !== 'path') throw invalidRequest('depth: directory listings are ordered by path (order_by=path)');
    const page = listPage(q, view, 'asc');
    if (page.cursor?.direction === 'prev') throw invalidRequest('page: not a page cursor returned by this API');
    const result = await listMemories(ctx.store, store.id, {
      prefix,
      depth,
      orderBy,
      order: page.order,
      after: page.cursor?.key,
      limit: page.limit,
      withContent: view === 'full',
    });
    return wirePage(result, page, (item) => resumeKey(item, orderBy), (item) => presentListedItem(item, view));
  });

  app.get<MemoryParams>(`${MEMORIES}/:memory_id`, WORKER, async (req) => {
    const memory = await getMemory(ctx.store, req.workspaceId, req.params.memory_store_id, req.params.memory_id);
    return presentMemory(memory, viewOf(req.query, 'full'));
  });

  // The SDK updates with POST; the reference documents PATCH: both work.
  const update = async (req: FastifyRequest<MemoryParams>) => {
    const view = viewOf(req.query, 'basic');
    const input = parseInput(memoryUpdateSchema, req.body);
    const { memory_store_id: storeId, memory_id: id } = req.params;
    return presentMemory(await updateMemory(ctx, req.workspaceId, storeId, id, input, requestActor(req)), view);
  };
  app.post<MemoryParams>(`${MEMORIES}/:memory_id`, WORKER, update);
  app.patch<MemoryParams>(`${MEMORIES}/:memory_id`, WORKER, update);

  app.delete<MemoryParams>(`${MEMORIES}/:memory_id`, WORKER, async (req) => {
    const expected = queryString(req.query, 'expected_content_sha256');
    if (expected !== undefined) parseInput(sha256Hex, expected, 'expected_content_sha256');
    const { memory_store_id: storeId, memory_id: id } = req.params;
    await deleteMemory(ctx, req.workspaceId, storeId, id, expected, requestActor(req));
    return { id, type: 'memory_deleted' as const };
  });
}

function registerVersionRoutes(app: FastifyInstance, ctx: CommandContext): void {
  const VERSIONS = '/v1/memory_stores/:memory_store_id/memory_versions';

  app.get<StoreParams>(VERSIONS, async (req) => {
    const q = req.query;
    const store = await getMemoryStore(ctx.store, req.workspaceId, req.params.memory_store_id);
    const view = viewOf(q, 'basic');
    const page = listPage(q, view, 'desc');
    const result = await ctx.store.memoryStores.listVersions(
      store.id,
      {
        memoryId: queryString(q, 'memory_id'),
        operation: oneOf(q, 'operation', OPERATIONS),
        actor: actorFilter(q),
        createdAt: createdAtFilter(q),
      },
      page,
    );
    return wirePage(result, page, (v) => v.id, (v) => presentMemoryVersion(v, view));
  });

  app.get<VersionParams>(`${VERSIONS}/:version_id`, async (req) => {
    const version = await getMemoryVersion(ctx.store, req.workspaceId, req.params.memory_store_id, req.params.version_id);
    return presentMemoryVersion(version, viewOf(req.query, 'full'));
  });

  app.post<VersionParams>(`${VERSIONS}/:version_id/redact`, async (req) => {
    const { memory_store_id: storeId, version_id: id } = req.params;
    return presentMemoryVersion(await redactMemoryVersion(ctx, req.workspaceId, storeId, id, requestActor(req)), 'full');
  });
}
