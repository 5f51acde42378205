// `agentd <resource> list|get|create|update|archive|delete`, run from a row of resources.ts.
import { parseArgs } from 'node:util';
import { RunFailure } from '../run/connect.js';
import { connect, failureOf, type Connection } from './connection.js';
import { EXIT } from './exit-codes.js';
import { readBody } from './input.js';
import { CONNECTION_FLAGS, type CommandIo } from './io.js';
import { details, json, table } from './output.js';
import type { ResourceSpec, Verb } from './resources.js';
import { resourceUsage } from './usage.js';

type Obj = Record<string, unknown>;

const DEFAULT_LIMIT = 100;

function parse(spec: ResourceSpec, argv: string[]) {
  const filters = Object.fromEntries((spec.listFilters ?? []).map((f) => [f.replace(/_/g, '-'), { type: 'string' as const }]));
  try {
    return parseArgs({
      args: argv,
      options: {
        ...CONNECTION_FLAGS,
        file: { type: 'string', short: 'f' },
        data: { type: 'string' },
        limit: { type: 'string' },
        'include-archived': { type: 'boolean' },
        ...filters,
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new RunFailure((err as Error).message, EXIT.usage);
  }
}

export async function resourceCommand(spec: ResourceSpec, argv: string[], io: CommandIo): Promise<number> {
  let conn: Connection | undefined;
  try {
    const { values, positionals } = parse(spec, argv);
    if (values.help || positionals.length === 0) {
      (values.help ? io.stdout : io.stderr).write(resourceUsage(spec));
      return values.help ? EXIT.ok : EXIT.usage;
    }
    const [verb, target, ...extra] = positionals as [string, string | undefined, ...string[]];
    if (!(spec.verbs as readonly string[]).includes(verb)) {
      throw new RunFailure(`agentd ${spec.name} has no "${verb}" (it has: ${spec.verbs.join(', ')})`, EXIT.usage);
    }
    const needsTarget = verb !== 'list' && !(verb === 'create' && (spec.createFrom ?? 'body') === 'body');
    if (needsTarget && !target) throw new RunFailure(`agentd ${spec.name} ${verb}: missing the ${verb === 'create' ? 'path' : `${spec.noun} id`}`, EXIT.usage);
    if (extra.length > 0 || (!needsTarget && target)) throw new RunFailure(`agentd ${spec.name} ${verb}: unexpected argument "${extra[0] ?? target}"`, EXIT.usage);
    // The body is read (and refused) before anything reaches the server.
    const body = verb === 'update' || (verb === 'create' && (spec.createFrom ?? 'body') === 'body') ? readBody(values) : undefined;
    conn = connect(values, io.env);
    const result = await runVerb(spec, verb as Verb, conn, target, body, values);
    write(spec, verb as Verb, result, target, values.json === true, io);
    return EXIT.ok;
  } catch (err) {
    const failure = failureOf(err, conn);
    io.stderr.write(`agentd ${spec.name}: ${failure.message}\n`);
    if (failure.exitCode === EXIT.usage) io.stderr.write(`\n${resourceUsage(spec)}`);
    return failure.exitCode;
  }
}

async function runVerb(spec: ResourceSpec, verb: Verb, conn: Connection, id: string | undefined, body: Obj | undefined, values: Obj): Promise<Obj | Obj[] | undefined> {
  const api = spec.sdk(conn.client);
  switch (verb) {
    case 'list': {
      const limit = values.limit === undefined ? DEFAULT_LIMIT : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new RunFailure(`--limit: expected a positive integer, not "${String(values.limit)}"`, EXIT.usage);
      const params: Obj = { limit: Math.min(limit, 100) };
      if (values['include-archived']) params.include_archived = true;
      for (const f of spec.listFilters ?? []) {
        const v = values[f.replace(/_/g, '-')];
        if (v !== undefined) params[f] = v;
      }
      const rows: Obj[] = [];
      for await (const item of api.list(params)) {
        rows.push(item);
        if (rows.length >= limit) break;
      }
      return rows;
    }
    case 'get':
      return spec.get ? spec.get(conn.client, id!) : api.retrieve(id!);
    case 'create':
      return body ? api.create(body) : spec.createFromPath!(conn.client, id!);
    case 'update': {
      // Agents replace a version: without one in the body, the current version is the one replaced.
      const patch = spec.versioned && body!.version === undefined ? { ...body, version: (await api.retrieve(id!)).version } : body!;
      return api.update(id!, patch);
    }
    case 'archive':
      return api.archive(id!);
    case 'delete':
      return api.delete(id!);
  }
}

function write(spec: ResourceSpec, verb: Verb, result: Obj | Obj[] | undefined, target: string | undefined, asJson: boolean, io: CommandIo): void {
  // Some deletes answer 204 with no body: the id asked for is the one deleted.
  result ??= { id: target, type: `${spec.noun.replace(/ /g, '_')}_deleted` };
  if (asJson) {
    io.stdout.write(json(Array.isArray(result) ? { data: result } : result));
    return;
  }
  if (Array.isArray(result)) {
    io.stdout.write(result.length === 0 ? `no ${spec.name}\n` : table(result, spec.columns));
    return;
  }
  const id = typeof result.id === 'string' ? result.id : (target ?? '');
  if (verb === 'get') io.stdout.write(details(result));
  else if (verb === 'delete') io.stdout.write(`deleted ${spec.noun} ${id}\n`);
  else if (verb === 'archive') io.stdout.write(`archived ${spec.noun} ${id}\n`);
  else {
    const version = typeof result.version === 'number' ? ` (version ${result.version})` : '';
    io.stdout.write(`${verb === 'create' ? 'created' : 'updated'} ${spec.noun} ${id}${version}\n`);
  }
}
