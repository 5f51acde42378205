#!/usr/bin/env node
// The installed `agentd` command (package.json "bin", `npm start`, dist/bundle/agentd.js): runs the
// CommonJS bundle of main.ts (dist/bundle/main.cjs, scripts/bundle.mjs) from its V8 code cache.
// Stack traces name the TypeScript sources; the bundle's map is read when a stack first needs it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWithCodeCache } from './code-cache.js';
import { installSourceMappedStacks } from './source-mapped-stacks.js';

const dir = path.dirname(fileURLToPath(import.meta.url));
installSourceMappedStacks(dir);
runWithCodeCache(path.join(dir, 'main.cjs'));
