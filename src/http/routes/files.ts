// /v1/files (to be implemented).
import type { FastifyInstance } from 'fastify';
import type { CommandContext } from '../../commands/context.js';

export function fileRoutes(_app: FastifyInstance, _ctx: CommandContext, _opts: { maxFileBytes: number }): void {}
