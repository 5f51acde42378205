// The platform's resources as a table: which SDK namespace serves each, which verbs it has, and
// the columns of its human listing. Adding a resource is adding a row; resource-command.ts runs
// every verb from these rows alone.
import fs from 'node:fs';
import path from 'node:path';
import type Anthropic from '@anthropic-ai/sdk';
import { toFile } from '@anthropic-ai/sdk';
import { mimeTypeOf } from '../../src/api/mime-types.js';
import type { Column } from './output.js';
import { uploadables } from './skill-folder.js';

export type Verb = 'list' | 'get' | 'create' | 'update' | 'archive' | 'delete';
type Obj = Record<string, unknown>;

/** The shape every SDK resource namespace shares (each one has a subset of these). */
interface SdkResource {
  list(params?: Obj): AsyncIterable<Obj>;
  retrieve(id: string): Promise<Obj>;
  create(body: Obj): Promise<Obj>;
  update(id: string, body: Obj): Promise<Obj>;
  archive(id: string): Promise<Obj>;
  delete(id: string): Promise<Obj>;
}

export interface ResourceSpec {
  /** The command word: `agentd <name> <verb>`. */
  name: string;
  /** One of them, for messages (`archived agent agent_…`). */
  noun: string;
  verbs: readonly Verb[];
  columns: readonly Column[];
  sdk(client: Anthropic): SdkResource;
  /** How `create` reads its input: a body (-f/--data; the default), a file path, or a skill directory. */
  createFrom?: 'body' | 'file' | 'directory';
  /** `get` when the SDK names it otherwise (files: retrieveMetadata). */
  get?(client: Anthropic, id: string): Promise<Obj>;
  /** `create` from a path (files, skills). */
  createFromPath?(client: Anthropic, p: string): Promise<Obj>;
  /** Filters `list` accepts as --<flag> <value> (the SDK's list params). */
  listFilters?: readonly string[];
  /** Agents: an update must name the version it replaces (optimistic concurrency). */
  versioned?: boolean;
}

const sdk = (pick: (c: Anthropic) => unknown) => (c: Anthropic) => pick(c) as SdkResource;
const col = (header: string, value: Column['value']): Column => ({ header, value });
const ID = col('ID', 'id');
const NAME = col('NAME', 'name');
const CREATED = col('CREATED', 'created_at');
const ARCHIVED = col('ARCHIVED', 'archived_at');

export const RESOURCES: readonly ResourceSpec[] = [
  {
    name: 'agents',
    noun: 'agent',
    verbs: ['list', 'get', 'create', 'update', 'archive'],
    columns: [ID, NAME, col('VERSION', 'version'), col('MODEL', 'model.id'), CREATED, ARCHIVED],
    sdk: sdk((c) => c.beta.agents),
    versioned: true,
  },
  {
    name: 'environments',
    noun: 'environment',
    verbs: ['list', 'get', 'create', 'update', 'archive', 'delete'],
    columns: [ID, NAME, col('TYPE', 'config.type'), CREATED, ARCHIVED],
    sdk: sdk((c) => c.beta.environments),
  },
  {
    name: 'sessions',
    noun: 'session',
    verbs: ['list', 'get', 'create', 'update', 'archive', 'delete'],
    columns: [ID, col('STATUS', 'status'), col('TITLE', 'title'), col('AGENT', 'agent.name'), col('ENVIRONMENT', 'environment_id'), CREATED],
    sdk: sdk((c) => c.beta.sessions),
    listFilters: ['agent_id', 'memory_store_id'],
  },
  {
    name: 'files',
    noun: 'file',
    verbs: ['list', 'get', 'create', 'delete'],
    columns: [ID, col('FILENAME', 'filename'), col('SIZE', 'size_bytes'), col('TYPE', 'mime_type'), col('SCOPE', 'scope.id'), CREATED],
    sdk: sdk((c) => c.beta.files),
    createFrom: 'file',
    get: (c, id) => c.beta.files.retrieveMetadata(id) as unknown as Promise<Obj>,
    createFromPath: async (c, p) =>
      c.beta.files.upload({ file: await toFile(fs.readFileSync(p), path.basename(p), { type: mimeTypeOf(p) }) }) as unknown as Promise<Obj>,
    listFilters: ['scope_id'],
  },
  {
    name: 'vaults',
    noun: 'vault',
    verbs: ['list', 'get', 'create', 'update', 'archive', 'delete'],
    columns: [ID, col('NAME', 'display_name'), CREATED, ARCHIVED],
    sdk: sdk((c) => c.beta.vaults),
  },
  {
    name: 'memory-stores',
    noun: 'memory store',
    verbs: ['list', 'get', 'create', 'update', 'archive', 'delete'],
    columns: [ID, NAME, col('DESCRIPTION', 'description'), CREATED, ARCHIVED],
    sdk: sdk((c) => c.beta.memoryStores),
  },
  {
    name: 'skills',
    noun: 'skill',
    verbs: ['list', 'get', 'create', 'delete'],
    columns: [ID, col('NAME', 'display_name'), col('LATEST', 'latest_version_id'), col('SOURCE', 'source'), CREATED],
    sdk: sdk((c) => c.beta.skills),
    createFrom: 'directory',
    createFromPath: async (c, dir) => c.beta.skills.create({ files: await uploadables(dir) }) as unknown as Promise<Obj>,
  },
  {
    name: 'deployments',
    noun: 'deployment',
    verbs: ['list', 'get', 'create', 'update', 'archive'],
    columns: [ID, NAME, col('STATUS', 'status'), CREATED, ARCHIVED],
    sdk: sdk((c) => c.beta.deployments),
  },
];

export const resourceNamed = (name: string) => RESOURCES.find((r) => r.name === name);
