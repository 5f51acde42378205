// Session resource use cases: add (files), list, retrieve, rotate a repository token, delete.
import type { ResourceAddInput, ResourceUpdateInput } from '../api/schemas/session-resource.js';
import type { SessionResource } from '../api/wire.js';
import { ApiError, conflict, invalidRequest, notFound } from '../errors.js';
import type { Page, PageRequest, SessionRecord, StoredResource } from '../store/types.js';
import type { CommandContext } from './context.js';
import { deleteFile } from './files.js';
import { mountResources } from './mount-resources.js';
import { getSession } from './sessions-read.js';

async function changeableSession(ctx: CommandContext, workspaceId: string, sessionId: string): Promise<SessionRecord> {
  const session = await getSession(ctx.store, workspaceId, sessionId);
  if (session.archivedAt) throw conflict(`session ${sessionId} is archived and read-only`);
  return session;
}

const idOf = (r: StoredResource) => ('id' in r.resource ? r.resource.id : undefined);

function findResource(session: SessionRecord, resourceId: string): StoredResource {
  const found = session.resources.find((r) => idOf(r) === resourceId);
  if (!found) throw notFound(`resource ${resourceId} not found in session ${session.id}`);
  return found;
}

/** Writes the new list unless another request changed it since `session` was read. */
async function replace(ctx: CommandContext, session: SessionRecord, next: StoredResource[]): Promise<void> {
  if (!(await ctx.store.sessions.replaceResources(session.id, session.resources, next, ctx.now()))) {
    throw conflict(`the resources of session ${session.id} changed while this request ran; retry it`);
  }
  // A runner holding the session mounts the new list before its next step.
  ctx.log.bus.wake('session', session.id);
}

export async function addSessionResource(
  ctx: CommandContext,
  workspaceId: string,
  sessionId: string,
  input: ResourceAddInput,
): Promise<SessionResource> {
  const session = await changeableSession(ctx, workspaceId, sessionId);
  const environment = await ctx.store.environments.get(workspaceId, session.environmentId);
  if (!environment) throw notFound(`environment ${session.environmentId} of session ${sessionId} not found`);
  const mounted = await mountResources(ctx, workspaceId, session.id, environment, [input], {
    existing: session.resources,
    prefixOf: () => '',
  });
  try {
    await replace(ctx, session, [...session.resources, ...mounted.stored]);
  } catch (err) {
    await mounted.discard();
    throw err;
  }
  return mounted.stored[0]!.resource;
}

export async function getSessionResource(
  ctx: CommandContext,
  workspaceId: string,
  sessionId: string,
  resourceId: string,
): Promise<SessionResource> {
  return findResource(await getSession(ctx.store, workspaceId, sessionId), resourceId).resource;
}

/** Resources in the order they were attached (ids sort by creation), paged by id. */
export async function listSessionResources(
  ctx: CommandContext,
  workspaceId: string,
  sessionId: string,
  page: PageRequest,
): Promise<Page<SessionResource>> {
  const session = await getSession(ctx.store, workspaceId, sessionId);
  const all = session.resources.map((r) => r.resource).filter((r): r is Extract<SessionResource, { id: string }> => 'id' in r);
  const sorted = [...all].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (page.order === 'desc') sorted.reverse();
  const cursor = page.cursor;
  const after = (id: string) => (page.order === 'asc' ? id > cursor!.key : id < cursor!.key);
  let items: SessionResource[];
  let hasMore: boolean;
  if (cursor?.direction === 'prev') {
    const before = sorted.filter((r) => !after(r.id) && r.id !== cursor.key);
    items = before.slice(-page.limit);
    hasMore = before.length > page.limit;
  } else {
    const rest = cursor ? sorted.filter((r) => after(r.id)) : sorted;
    items = rest.slice(0, page.limit);
    hasMore = rest.length > page.limit;
  }
  return { items, hasMore };
}

/** Rotates a repository's token: it is stored for later git operations and never presented. */
export async function updateSessionResource(
  ctx: CommandContext,
  workspaceId: string,
  sessionId: string,
  resourceId: string,
  input: ResourceUpdateInput,
): Promise<SessionResource> {
  const session = await changeableSession(ctx, workspaceId, sessionId);
  const current = findResource(session, resourceId);
  if (current.resource.type !== 'github_repository') {
    throw invalidRequest(`authorization_token: only github_repository resources have a token; ${resourceId} is a ${current.resource.type} resource`);
  }
  const updated: StoredResource = {
    resource: { ...current.resource, updated_at: ctx.now() },
    secret: { ...current.secret, authorization_token: input.authorization_token },
  };
  await replace(ctx, session, session.resources.map((r) => (r === current ? updated : r)));
  return updated.resource;
}

/** Detaches a file resource: its mounted copy leaves the sandbox and the Files API. */
export async function deleteSessionResource(
  ctx: CommandContext,
  workspaceId: string,
  sessionId: string,
  resourceId: string,
): Promise<void> {
  const session = await changeableSession(ctx, workspaceId, sessionId);
  const current = findResource(session, resourceId);
  const resource = current.resource;
  if (resource.type !== 'file') {
    // As documented: repositories are attached for the session's life (create a new session to change them).
    throw invalidRequest(`${resourceId}: ${resource.type} resources stay attached for the session's lifetime; only file resources can be deleted`);
  }
  await replace(ctx, session, session.resources.filter((r) => r !== current));
  await ctx.workspaces.removeResource(session.id, resource);
  await deleteFile(ctx, workspaceId, resource.file_id).catch((err: unknown) => {
    if (!(err instanceof ApiError && err.status === 404)) throw err; // the client may have deleted the copy already
  });
}
