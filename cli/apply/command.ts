// `agentd apply -f <file|dir> [-f …] [--dry-run] [--prune] [--json]`.
import { parseArgs } from 'node:util';
import { RunFailure } from '../run/connect.js';
import { connect, failureOf, type Connection } from '../platform/connection.js';
import { EXIT } from '../platform/exit-codes.js';
import { CONNECTION_FLAGS, type CommandIo } from '../platform/io.js';
import { json } from '../platform/output.js';
import { describe, execute, plan, type Step } from './apply.js';
import { ApplyInputError, readDocuments } from './documents.js';
import { APPLY_USAGE } from './usage.js';

const PAST: Record<Step['action'], string> = { create: 'created', update: 'updated', unchanged: 'unchanged', prune: 'pruned' };

export async function applyCommand(argv: string[], io: CommandIo): Promise<number> {
  let conn: Connection | undefined;
  try {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: { ...CONNECTION_FLAGS, file: { type: 'string', short: 'f', multiple: true }, 'dry-run': { type: 'boolean' }, prune: { type: 'boolean' } },
        strict: true,
      }));
    } catch (err) {
      throw new RunFailure((err as Error).message, EXIT.usage);
    }
    if (values.help) {
      io.stdout.write(`usage: agentd apply -f <file|dir> [options]\n\n${APPLY_USAGE}`);
      return EXIT.ok;
    }
    if (!values.file || values.file.length === 0) throw new RunFailure('missing -f <file|dir>', EXIT.usage);
    let docs;
    try {
      docs = readDocuments(values.file);
    } catch (err) {
      if (err instanceof ApplyInputError) throw new RunFailure(err.message, EXIT.usage);
      throw err;
    }
    conn = connect(values, io.env);
    const steps = await plan(conn.client, docs, values.prune === true);
    const asJson = values.json === true;
    if (!asJson) io.stdout.write(`plan:\n${steps.map((s) => `  ${describe(s)}\n`).join('') || '  (nothing to apply)\n'}`);
    const results = [];
    for (const step of steps) {
      const entry = { action: step.action, kind: step.kind, name: step.name, ...(step.id ? { id: step.id } : {}), ...(step.fields?.length ? { fields: step.fields } : {}) };
      if (values['dry-run']) {
        results.push(entry);
        continue;
      }
      const done = await execute(conn.client, step);
      results.push({ ...entry, ...done });
      if (!asJson && step.action !== 'unchanged') io.stdout.write(`${PAST[step.action]} ${step.kind} ${step.name} (${done.id}${done.version !== undefined ? `, version ${done.version}` : ''})\n`);
    }
    const counts = (['create', 'update', 'unchanged', 'prune'] as const).map((a) => `${steps.filter((s) => s.action === a).length} ${PAST[a]}`);
    if (asJson) io.stdout.write(json({ dry_run: values['dry-run'] === true, results }));
    else io.stdout.write(`${values['dry-run'] ? 'dry run, nothing changed: ' : ''}${counts.join(', ')}\n`);
    return EXIT.ok;
  } catch (err) {
    const failure = failureOf(err, conn);
    io.stderr.write(`agentd apply: ${failure.message}\n`);
    if (failure.exitCode === EXIT.usage) io.stderr.write(`\nusage: agentd apply -f <file|dir> [options]\n\n${APPLY_USAGE}`);
    return failure.exitCode;
  }
}
