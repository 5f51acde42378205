// /v1/environments (to be implemented).
import type { FastifyInstance } from 'fastify';
import type { CommandContext } from '../../commands/context.js';

export function environmentRoutes(_app: FastifyInstance, _ctx: CommandContext): void {}
