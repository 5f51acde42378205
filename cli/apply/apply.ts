// `agentd apply`: for each document, find what exists under its name, then create, update (agents
// with the optimistic version they replace) or leave it; --prune removes what apply made earlier
// and the files no longer name. A plan is printed first; --dry-run stops there.
import Anthropic from '@anthropic-ai/sdk';
import { resourceNamed } from '../platform/resources.js';
import { changedFields } from './contains.js';
import type { ApplyDocument } from './documents.js';
import { KINDS, MANAGED_KEY, MANAGED_VALUE, type KindSpec } from './kinds.js';
import { sameAsLatest, uploadables } from '../platform/skill-folder.js';

type Obj = Record<string, unknown>;

export type Action = 'create' | 'update' | 'unchanged' | 'prune';

export interface Step {
  action: Action;
  kind: string;
  name: string;
  /** The existing resource (update, unchanged, prune). */
  id?: string | undefined;
  /** What differs (update). */
  fields?: string[];
  doc?: ApplyDocument;
  existing?: Obj;
  spec: KindSpec;
}

const isManaged = (o: Obj) => (o.metadata as Record<string, unknown> | undefined)?.[MANAGED_KEY] === MANAGED_VALUE;

async function existingOf(client: Anthropic, spec: KindSpec, optional: boolean): Promise<Map<string, Obj>> {
  const byName = new Map<string, Obj>();
  const list = resourceNamed(spec.resource)!.sdk(client).list({ limit: 100 });
  // --prune lists every kind: one this server does not serve (404) has nothing of ours to remove.
  if (optional) {
    try {
      await (list as unknown as Promise<unknown>);
    } catch (err) {
      if (err instanceof Anthropic.NotFoundError) return byName;
      throw err;
    }
  }
  for await (const o of list) {
    if (o.archived_at) continue;
    const name = o[spec.nameField];
    // The oldest of equal names wins (names are unique where the API says so).
    if (typeof name === 'string' && !byName.has(name)) byName.set(name, o);
  }
  return byName;
}

/** The body sent: the document's, with the marker in its metadata where the kind has metadata. */
function bodyOf(doc: ApplyDocument, spec: KindSpec): Obj {
  if (!spec.metadata) return doc.body;
  return { ...doc.body, metadata: { ...((doc.body.metadata as Obj | undefined) ?? {}), [MANAGED_KEY]: MANAGED_VALUE } };
}

export async function plan(client: Anthropic, docs: readonly ApplyDocument[], prune: boolean): Promise<Step[]> {
  const steps: Step[] = [];
  for (const spec of KINDS) {
    const mine = docs.filter((d) => d.kind === spec.kind);
    if (mine.length === 0 && !prune) continue;
    const existing = await existingOf(client, spec, mine.length === 0);
    for (const doc of mine) {
      const found = existing.get(doc.name);
      if (!found) {
        steps.push({ action: 'create', kind: spec.kind, name: doc.name, doc, spec });
        continue;
      }
      const id = found.id as string;
      const fields =
        spec.kind === 'skill'
          ? (await sameAsLatest(client, id, found.latest_version_id as string, doc.directory!))
            ? []
            : ['files']
          : changedFields(bodyOf(doc, spec), found);
      steps.push({ action: fields.length > 0 ? 'update' : 'unchanged', kind: spec.kind, name: doc.name, id, fields, doc, existing: found, spec });
    }
    if (!prune) continue;
    const named = new Set(mine.map((d) => d.name));
    for (const [name, o] of existing) {
      if (!named.has(name) && isManaged(o)) steps.push({ action: 'prune', kind: spec.kind, name, id: o.id as string, existing: o, spec });
    }
  }
  return steps;
}

export function describe(step: Step): string {
  switch (step.action) {
    case 'create':
      return `+ create ${step.kind} ${step.name}`;
    case 'update':
      return `~ update ${step.kind} ${step.name} (${step.id}): ${step.fields!.join(', ')}`;
    case 'unchanged':
      return `= unchanged ${step.kind} ${step.name} (${step.id})`;
    case 'prune':
      return `- ${step.spec.prune} ${step.kind} ${step.name} (${step.id})`;
  }
}

/** Carries out one step; returns the resource's id and, for agents, the version it now has. */
export async function execute(client: Anthropic, step: Step): Promise<{ id: string; version?: number }> {
  const api = resourceNamed(step.spec.resource)!.sdk(client);
  const done = (o: Obj | undefined) => ({ id: (o?.id as string | undefined) ?? step.id!, ...(typeof o?.version === 'number' ? { version: o.version } : {}) });
  switch (step.action) {
    case 'unchanged':
      return done(step.existing);
    case 'create':
      if (step.kind === 'skill') return done((await client.beta.skills.create({ files: await uploadables(step.doc!.directory!) })) as unknown as Obj);
      return done(await api.create(bodyOf(step.doc!, step.spec)));
    case 'update': {
      if (step.kind === 'skill') {
        await client.beta.skills.versions.create(step.id!, { files: await uploadables(step.doc!.directory!) });
        return done(step.existing);
      }
      const body = bodyOf(step.doc!, step.spec);
      // Agents: the version this update replaces; a concurrent change makes it a 409, not a lost write.
      const withVersion = step.kind === 'agent' ? { ...body, version: step.existing!.version } : body;
      return done(await api.update(step.id!, withVersion));
    }
    case 'prune':
      if (step.spec.prune === 'archive') return done(await api.archive(step.id!));
      await api.delete(step.id!);
      return done(undefined);
  }
}
