// `agentd environments key <env_id>`: creates an environment key through the server's
// /v1/environments/{id}/keys endpoint (an agentd extension) and prints it last on stdout.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_URL, firstKey } from '../run/args.js';
import { createClient, explainError, probeServer, resolveKey, RunFailure } from '../run/connect.js';
import { ENVIRONMENTS_USAGE } from './usage.js';

interface CreatedKey {
  id: string;
  environment_id: string;
  key: string;
}

const USAGE = `usage: agentd environments key <env_id> [options]\n\n${ENVIRONMENTS_USAGE}`;

export async function environmentsCommand(argv: string[]): Promise<number> {
  const { stdout, stderr, env } = process;
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: { url: { type: 'string' }, 'api-key': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    stderr.write(`agentd environments: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    stdout.write(USAGE);
    return 0;
  }
  const [sub, environmentId, ...extra] = positionals;
  if (sub !== 'key' || !environmentId || extra.length > 0) {
    stderr.write(`agentd environments: expected "key <env_id>"\n\n${USAGE}`);
    return 2;
  }
  const url = (values.url ?? env.AGENTD_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  const opts = {
    url,
    apiKey: firstKey(values['api-key']) ?? firstKey(env.AGENTD_API_KEY),
    keyFile: path.resolve(env.AGENTD_DATA_DIR || './.agentd', 'api-key'),
  };
  try {
    const key = resolveKey(opts);
    try {
      await probeServer(url);
      const created = await createClient(url, key.key).post<CreatedKey>(
        `/v1/environments/${encodeURIComponent(environmentId)}/keys`,
        { body: {} },
      );
      stderr.write(
        `Created environment key ${created.id} for ${created.environment_id}. It is shown only this once:\n` +
          'store it like a password (agentd keeps only its hash).\n',
      );
      stdout.write(`${created.key}\n`);
      return 0;
    } catch (err) {
      throw explainError(err, opts, key);
    }
  } catch (err) {
    if (!(err instanceof RunFailure)) throw err;
    stderr.write(`agentd: ${err.message}\n`);
    return err.exitCode;
  }
}
