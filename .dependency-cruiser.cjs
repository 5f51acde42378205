// The dependency rules of docs/architecture.md, checked by `npm run deps` (part of `npm test`).
// Parsed with swc: type-only imports count as dependencies too (a layer may not even name types of
// the layers above it).
const forbid = (name, comment, from, to) => ({ name, comment, severity: 'error', from, to });
const UP_FROM_STORE = '^src/(http|engine|commands|services|sandbox|events|work)/';

module.exports = {
  forbidden: [
    forbid('no-circular', 'A cycle makes two modules one: break it with an interface or a shared lower module.', {}, { circular: true }),
    forbid(
      'domain-is-pure',
      'src/domain imports only itself, the API contract (src/api), errors.ts and packages (the SDK types): it owns the record types, the store implements them.',
      { path: '^src/domain/' },
      { path: '^src/', pathNot: ['^src/domain/', '^src/api/', '^src/errors\\.ts$'] },
    ),
    forbid('domain-has-no-io', 'Pure decisions: no node: modules in src/domain (time and ids are injected).', { path: '^src/domain/' }, { dependencyTypes: ['core'] }),
    forbid('api-is-a-leaf', 'src/api (wire types, request schemas, ids) depends on nothing of ours but errors.ts.', { path: '^src/api/' }, { path: '^src/', pathNot: ['^src/api/', '^src/errors\\.ts$'] }),
    forbid('config-is-a-leaf', 'Configuration is parsed on its own; everything else reads the frozen Config.', { path: '^src/config/' }, { path: '^src/', pathNot: '^src/config/' }),
    forbid('utilities-are-leaves', 'errors.ts and logger.ts are used by every layer and use none.', { path: '^src/(errors|logger)\\.ts$' }, { path: '^src/', pathNot: ['^src/api/'] }),
    forbid('store-stays-down', 'The store implements repositories; it never calls the layers that use it.', { path: '^src/store/' }, { path: UP_FROM_STORE }),
    forbid('events-stay-down', 'The event log and bus sit on the store only.', { path: '^src/events/' }, { path: '^src/(http|engine|commands|services|sandbox|work)/' }),
    forbid('engine-not-up', 'The engine applies steps; it never reaches into HTTP, use cases or wiring (ports are injected).', { path: '^src/engine/' }, { path: '^src/(http|commands|services)/' }),
    forbid('sandbox-not-up', 'Sandboxes run tools and host I/O; they never reach into HTTP, use cases, the engine or wiring.', { path: '^src/sandbox/' }, { path: '^src/(http|commands|engine|services)/' }),
    forbid('work-queue-not-up', 'The work queue serves HTTP and the remote sandbox; it uses neither.', { path: '^src/work/' }, { path: '^src/(http|commands|engine|sandbox|services)/' }),
    forbid('commands-not-up', 'Use cases never depend on HTTP, the engine or wiring.', { path: '^src/commands/' }, { path: '^src/(http|engine|services)/' }),
    forbid('http-not-sideways', 'HTTP drives use cases; it never runs the engine or wires the process.', { path: '^src/http/' }, { path: '^src/(engine|services)/' }),
    forbid(
      'store-implementations-are-private',
      'Only the store itself knows its Kysely implementation and dialects; everything else uses store/types.ts.',
      { path: '^src/', pathNot: '^src/store/' },
      { path: '^src/store/(kysely|sqlite|postgres)/' },
    ),
    forbid('drivers-in-dialects-only', 'Only store/<dialect> imports a database driver.', { path: '^src/', pathNot: '^src/store/(sqlite|postgres)/' }, { path: 'node_modules/(better-sqlite3|pg)/' }),
    forbid('fastify-in-http-only', 'Outside src/http (and the wiring) code logs through logger.ts, not Fastify types.', { path: '^src/', pathNot: '^src/(http|services)/' }, { path: 'node_modules/(fastify|@fastify/)' }),
    forbid('cli-through-the-front-door', 'The CLI talks to the server through the SDK; it only starts it (services, config) and shares request vocabulary (api).', { path: '^cli/' }, { path: '^src/', pathNot: '^src/(services|config|api)/' }),
  ],
  options: {
    parser: 'swc',
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|test|bench)/' },
  },
};
