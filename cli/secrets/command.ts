// `agentd secrets rotate-key`: re-seals vault secrets under a new key (docs/vaults.md).
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config/config.js';
import { rotateSecretKey } from '../../src/services/rotate-secret-key.js';
import { SECRETS_USAGE } from './usage.js';

const USAGE = `usage: agentd secrets rotate-key [options]\n\n${SECRETS_USAGE}`;

export async function secretsCommand(argv: string[]): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: { 'data-dir': { type: 'string' }, 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`agentd secrets: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'rotate-key') {
    process.stderr.write(`agentd secrets: expected "rotate-key"\n\n${USAGE}`);
    return 2;
  }
  const config = loadConfig({ dataDir: values['data-dir'], databaseUrl: values['database-url'] });
  const newKey = process.env.AGENTD_NEW_SECRET_KEY || undefined;
  try {
    const result = await rotateSecretKey(config, newKey);
    process.stdout.write(
      `Re-sealed ${result.resealed} credential secret(s). ` +
        (result.newKeyAt === 'AGENTD_NEW_SECRET_KEY'
          ? 'Now start the servers with AGENTD_SECRET_KEY set to the value of AGENTD_NEW_SECRET_KEY.\n'
          : `The new key is in ${result.newKeyAt}.\n`),
    );
    return 0;
  } catch (err) {
    process.stderr.write(`agentd secrets rotate-key: ${(err as Error).message}\n`);
    return 1;
  }
}
