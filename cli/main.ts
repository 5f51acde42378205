#!/usr/bin/env node
// The agentd command: `agentd serve` runs the server; `agentd run` talks to one. Subcommands load
// lazily, so `run` never pays for the server's modules (database drivers, Fastify).
import { RUN_USAGE } from './run/help.js';
import { SERVE_USAGE } from './serve-usage.js';
import { ENVIRONMENTS_USAGE } from './environments/usage.js';
import { WEBHOOKS_USAGE } from './webhooks/usage.js';
import { DOCTOR_USAGE } from './doctor-usage.js';
import { RESOURCES, resourceNamed } from './platform/resources.js';
import { platformUsage } from './platform/usage.js';
import { APPLY_USAGE } from './apply/usage.js';
import { SECRETS_USAGE } from './secrets/usage.js';
import { PACKAGES_USAGE } from './packages/usage.js';

const USAGE = `usage: agentd <command> [options]       (agentd --version prints the version)

commands:
${SERVE_USAGE}
${RUN_USAGE}
${DOCTOR_USAGE}${ENVIRONMENTS_USAGE}${WEBHOOKS_USAGE}${platformUsage(RESOURCES)}${APPLY_USAGE}
${SECRETS_USAGE}${PACKAGES_USAGE}`;

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'serve': {
      const { serve } = await import('./serve.js');
      const code = await serve(rest);
      if (code !== undefined) process.exitCode = code;
      return;
    }
    case 'run': {
      const { runCommand } = await import('./run/command.js');
      process.exitCode = await runCommand(rest);
      return;
    }
    case 'environments': {
      // `environments key` predates the resource verbs and keeps its own command.
      if (rest.find((a) => !a.startsWith('-')) !== 'key') break;
      const { environmentsCommand } = await import('./environments/command.js');
      process.exitCode = await environmentsCommand(rest);
      return;
    }
    case 'webhooks': {
      const { webhooksCommand } = await import('./webhooks/command.js');
      process.exitCode = await webhooksCommand(rest);
      return;
    }
    case 'doctor': {
      const { doctorCommand } = await import('./doctor.js');
      process.exitCode = await doctorCommand(rest);
      return;
    }
    case 'apply': {
      const { applyCommand } = await import('./apply/command.js');
      const { processIo } = await import('./platform/io.js');
      process.exitCode = await applyCommand(rest, processIo());
      return;
    }
    case 'secrets': {
      const { secretsCommand } = await import('./secrets/command.js');
      process.exitCode = await secretsCommand(rest);
      return;
    }
    case 'packages': {
      const { packagesCommand } = await import('./packages/command.js');
      process.exitCode = await packagesCommand(rest);
      return;
    }
    case '-v':
    case '--version':
    case 'version': {
      const { agentdVersion } = await import('./version.js');
      process.stdout.write(`agentd ${agentdVersion()}\n`);
      return;
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return;
    default:
      if (resourceNamed(command)) break;
      process.stderr.write(`agentd: unknown command "${command}"\n\n${USAGE}`);
      process.exitCode = 2;
      return;
  }
  const { platformCommand } = await import('./platform/command.js');
  const { processIo } = await import('./platform/io.js');
  process.exitCode = await platformCommand(command, rest, processIo());
}

main().catch((err: unknown) => {
  process.stderr.write(`agentd: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
