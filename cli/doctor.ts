// `agentd doctor`: reports which sandbox protections are in force on this host and what to fix.
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/config.js';
import { renderChecks, sandboxChecks } from '../src/services/doctor/sandbox-checks.js';

export async function doctor(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' } }, strict: true });
  const config = loadConfig({ ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}) });
  const checks = await sandboxChecks(config);
  process.stdout.write(renderChecks(checks));
  return checks.every((c) => c.ok) ? 0 : 1;
}
