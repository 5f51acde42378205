// `agentd doctor`: checks what `agentd serve` needs, with the same flags and variables, and prints
// what to fix. Exit status 0 when everything is in place, 1 when something is missing, 2 usage.
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/config.js';
import { runDoctor } from '../src/services/doctor.js';
import { DOCTOR_USAGE } from './doctor-usage.js';


export async function doctorCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' }, 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (err) {
    process.stderr.write(`agentd doctor: ${(err as Error).message}\n\nusage: agentd doctor [options]\n${DOCTOR_USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`usage: agentd doctor [options]\n${DOCTOR_USAGE}`);
    return 0;
  }
  let config;
  try {
    config = loadConfig({ dataDir: values['data-dir'], databaseUrl: values['database-url'] });
  } catch (err) {
    // A setting serve would refuse (e.g. an unknown database scheme) is itself the finding.
    process.stdout.write(`✗ config    ${(err as Error).message}\n\n1 problem: agentd serve would not start\n`);
    return 1;
  }
  const checks = await runDoctor(config);
  for (const c of checks) process.stdout.write(`${c.ok ? '✓' : '✗'} ${c.name.padEnd(9)} ${c.detail}\n`);
  const problems = checks.filter((c) => !c.ok).length;
  process.stdout.write(problems === 0 ? '\neverything agentd serve needs is in place\n' : `\n${problems} problem${problems === 1 ? '' : 's'} to fix (above)\n`);
  return problems === 0 ? 0 : 1;
}
