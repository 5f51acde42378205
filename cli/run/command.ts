// `agentd run "<task>"`: wires flags, client, printer and prompts into a TaskRun; returns the exit code.
import { parseRunArgs, UsageError } from './args.js';
import { createClient, explainError, resolveKey, RunFailure, type ResolvedKey } from './connect.js';
import { RUN_USAGE } from './help.js';
import { createAsker } from './permissions.js';
import { createPrinter } from './printer.js';
import { styleFor } from './style.js';
import { EXIT, TaskRun } from './task-run.js';

export async function runCommand(argv: string[]): Promise<number> {
  const { stdout, stderr, stdin, env } = process;
  const errStyle = styleFor(stderr, env);
  const fail = (message: string) => stderr.write(`${errStyle.red(errStyle.bold(`agentd: ${message}`))}\n`);

  let parsed;
  try {
    parsed = parseRunArgs(argv, env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    stderr.write(`agentd run: ${err.message}\n\nusage: agentd run "<task>" [options]\n\n${RUN_USAGE}`);
    return EXIT.usage;
  }
  if (parsed.help) {
    stdout.write(`usage: agentd run "<task>" [options]\n\n${RUN_USAGE}`);
    return EXIT.ok;
  }
  const options = parsed.options;

  let key: ResolvedKey;
  try {
    key = resolveKey(options);
  } catch (err) {
    if (!(err instanceof RunFailure)) throw err;
    fail(err.message);
    return err.exitCode;
  }

  const printer = createPrinter({ json: options.json, stdout, stderr, out: styleFor(stdout, env), err: errStyle });
  // The asker reports Ctrl-C typed at a prompt back to the run (readline keeps it from the process).
  let run: TaskRun | undefined;
  const asker = createAsker(stdin, stderr, () => run?.pressCtrlC());
  run = new TaskRun({
    client: createClient(options.url, key.key),
    options,
    printer,
    asker,
    exit: (code) => process.exit(code),
  });
  try {
    return await run.run();
  } catch (err) {
    const failure = explainError(err, options, key);
    fail(failure.message);
    return failure.exitCode;
  }
}
