#!/usr/bin/env node
// The installed `agentd` command (package.json "bin", `npm start`): the esbuild bundle of main.ts
// (dist/bundle/agentd.js, scripts/bundle.mjs). Source maps are turned on before the CLI loads, so
// stack traces name the TypeScript sources rather than the bundle's chunks.
process.setSourceMapsEnabled(true);
await import('./main.js');
