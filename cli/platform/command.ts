// `agentd <resource> …`: the resource verbs of resources.ts, plus the session and file actions.
import type { CommandIo } from './io.js';
import { filesDownload } from './files-download.js';
import { resourceCommand } from './resource-command.js';
import { resourceNamed } from './resources.js';
import { SESSION_ACTIONS, sessionsAction } from './sessions-command.js';

/** The first word that is neither a flag nor a flag's value (flags may come before the verb). */
function verbOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-')) return a;
    if (!a.includes('=') && !['--json', '--help', '-h', '--include-archived', '--until-idle', '--deny'].includes(a)) i++;
  }
  return undefined;
}

export async function platformCommand(name: string, argv: string[], io: CommandIo): Promise<number> {
  const verb = verbOf(argv);
  if (name === 'sessions' && (SESSION_ACTIONS as readonly string[]).includes(verb ?? '')) return sessionsAction(argv, io);
  if (name === 'files' && verb === 'download') return filesDownload(argv, io);
  return resourceCommand(resourceNamed(name)!, argv, io);
}
