// /v1/skills: upload a skill or a new version (multipart `files[]`, as the SDK sends a folder's
// files or one zip), list, retrieve, delete, and download a version as a zip.
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CommandContext } from '../../commands/context.js';
import {
  createSkill,
  createSkillVersion,
  deleteSkill,
  deleteSkillVersion,
  getSkill,
  getSkillVersion,
  skillBlobKey,
} from '../../commands/skills/skills.js';
import { invalidRequest, notFound } from '../../errors.js';
import { SKILL_MAX_FILES, type SkillBundleLimits, type UploadedFile } from '../../skills/skill-bundle.js';
import { pageRequest, wirePage } from '../pagination.js';
import { presentSkill, presentSkillVersion } from '../presenters/skill.js';
import { queryString, type Query } from '../query.js';
import { checkWorkerSkillAccess } from './worker-access.js';
import { forPrincipals } from '../route-config.js';

type SkillParams = { Params: { skill_id: string }; Querystring: Query };
type VersionParams = { Params: { skill_id: string; version: string } };

export interface SkillRouteOptions {
  /** AGENTD_MAX_SKILL_BYTES: the most a skill's files may add up to. */
  maxSkillBytes: number;
}

/** WHATWG FormData (the SDK's) escapes `"`, CR and LF in filenames. */
const decodeFilename = (raw: string) => raw.replaceAll('%22', '"').replaceAll('%0D', '\r').replaceAll('%0A', '\n');

interface SkillUpload {
  files: UploadedFile[];
  fields: Record<string, string>;
}

/** Reads every `files[]` part into memory, refusing the upload as soon as it passes the size limit. */
async function readUpload(req: FastifyRequest, limits: SkillBundleLimits): Promise<SkillUpload> {
  if (!req.isMultipart()) {
    throw invalidRequest('files: send the skill as multipart/form-data, one part named "files[]" per file (or a single zip)');
  }
  const files: UploadedFile[] = [];
  const fields: Record<string, string> = {};
  let total = 0;
  try {
    for await (const part of req.parts()) {
      if (part.type !== 'file') {
        fields[part.fieldname] = String(part.value);
        continue;
      }
      if (part.fieldname !== 'files[]' && part.fieldname !== 'files') {
        throw invalidRequest(`${part.fieldname}: unexpected file part; send the skill's files as parts named "files[]"`);
      }
      const chunks: Buffer[] = [];
      for await (const chunk of part.file as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > limits.maxBytes) {
          throw invalidRequest(`files: the upload is larger than ${limits.maxBytes} bytes, the most this server accepts for a skill`);
        }
        chunks.push(chunk);
      }
      files.push({ path: decodeFilename(part.filename), bytes: Buffer.concat(chunks), executable: false });
    }
    return { files, fields };
  } finally {
    // Parsing may stop early (a limit, a bad part): drop the rest of the body so the request ends.
    req.raw.unpipe();
    req.raw.resume();
  }
}

function onlyFields(fields: Record<string, string>, allowed: readonly string[]): void {
  const unknown = Object.keys(fields).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw invalidRequest(`${unknown}: unknown field`);
}

/** `attachment; filename="<name>.zip"` (skill names are ASCII slugs). */
const zipDisposition = (name: string) => `attachment; filename="${name}.zip"`;

export function skillRoutes(app: FastifyInstance, ctx: CommandContext, opts: SkillRouteOptions): void {
  const limits: SkillBundleLimits = { maxBytes: opts.maxSkillBytes, maxFiles: SKILL_MAX_FILES };
  void app.register(async (scope) => {
    // Multipart stays inside this plugin; paths in filenames are the skill's layout, so keep them.
    await scope.register(multipart, {
      preservePath: true,
      limits: { fileSize: opts.maxSkillBytes + 1, files: SKILL_MAX_FILES, fields: 8 },
    });
    // A self-hosted worker's session token reads only the skills of its session's agent.
    scope.addHook('preHandler', async (req: FastifyRequest) => checkWorkerSkillAccess(ctx.store, req));

    scope.post('/v1/skills', async (req) => {
      const upload = await readUpload(req, limits);
      onlyFields(upload.fields, ['display_name']);
      return presentSkill(await createSkill(ctx, req.workspaceId, { files: upload.files, displayName: upload.fields.display_name }, limits));
    });

    scope.post<SkillParams>('/v1/skills/:skill_id/versions', async (req) => {
      await getSkill(ctx.store, req.workspaceId, req.params.skill_id); // 404 before reading the body
      const upload = await readUpload(req, limits);
      onlyFields(upload.fields, []);
      return presentSkillVersion(await createSkillVersion(ctx, req.workspaceId, req.params.skill_id, upload.files, limits));
    });

    scope.get<{ Querystring: Query }>('/v1/skills', async (req) => {
      const source = queryString(req.query, 'source');
      if (source !== undefined && source !== 'custom' && source !== 'anthropic') {
        throw invalidRequest('source: must be "custom" or "anthropic"');
      }
      const page = pageRequest<string>(req.query, { defaultLimit: 20, maxLimit: 100, defaultOrder: 'desc', keyType: 'string' });
      // agentd has no Anthropic-published skills: that source is always empty.
      if (source === 'anthropic') return { data: [], next_page: null };
      const result = await ctx.store.skills.list(req.workspaceId, page);
      return wirePage(result, page, (s) => s.id, presentSkill);
    });

    scope.get<SkillParams>('/v1/skills/:skill_id', async (req) => presentSkill(await getSkill(ctx.store, req.workspaceId, req.params.skill_id)));

    scope.delete<SkillParams>('/v1/skills/:skill_id', async (req) => {
      await deleteSkill(ctx, req.workspaceId, req.params.skill_id);
      return { id: req.params.skill_id, type: 'skill_deleted' as const };
    });

    scope.get<SkillParams>('/v1/skills/:skill_id/versions', async (req) => {
      const skill = await getSkill(ctx.store, req.workspaceId, req.params.skill_id);
      const page = pageRequest<string>(req.query, { defaultLimit: 20, maxLimit: 100, defaultOrder: 'desc', keyType: 'string' });
      const result = await ctx.store.skills.listVersions(skill.id, page);
      return wirePage(result, page, (v) => v.id, presentSkillVersion);
    });

    scope.get<VersionParams>('/v1/skills/:skill_id/versions/:version', forPrincipals('api_key', 'work_token'), async (req) =>
      presentSkillVersion(await getSkillVersion(ctx.store, req.workspaceId, req.params.skill_id, req.params.version)),
    );

    scope.delete<VersionParams>('/v1/skills/:skill_id/versions/:version', async (req) => {
      const deleted = await deleteSkillVersion(ctx, req.workspaceId, req.params.skill_id, req.params.version);
      return { id: deleted.id, type: 'skill_version_deleted' as const };
    });

    scope.get<VersionParams>('/v1/skills/:skill_id/versions/:version/content', forPrincipals('api_key', 'work_token'), async (req, reply) => {
      const version = await getSkillVersion(ctx.store, req.workspaceId, req.params.skill_id, req.params.version);
      const bytes = await ctx.blobs.open(skillBlobKey(version.skillId, version.id));
      if (!bytes) throw notFound(`the content of skill ${version.skillId} version ${version.id} is missing from this server's file store`);
      return reply
        .type('application/zip')
        .header('content-disposition', zipDisposition(version.name))
        .send(bytes);
    });
  });
}
