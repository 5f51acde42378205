// Answers `evaluated_permission: 'ask'` tool calls: a y/N prompt on the terminal, or a denial
// that says why when there is no terminal to ask on.
import readline from 'node:readline';

export type Decision = { result: 'allow' } | { result: 'deny'; message?: string; reason: string } | { result: 'interrupted' };

export interface Asker {
  /** `detail`, when given, is shown in full above the question (e.g. a multi-line command). */
  decide(description: string, detail?: string): Promise<Decision>;
}

/** Told to the model with the denial, so it does not simply try again. */
const NO_TTY_MESSAGE =
  'The user could not be asked for permission (agentd run was started without a terminal), so this call was denied. ' +
  'Do not retry it; finish without it or explain what you would have done.';

export function createAsker(stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream, onCtrlC: () => void): Asker {
  return {
    decide(description, detail) {
      if (!stdin.isTTY) {
        return Promise.resolve({ result: 'deny', message: NO_TTY_MESSAGE, reason: 'cannot ask: stdin is not a terminal' });
      }
      // One interface per question: a lingering one would hold stdin open and keep the process alive.
      if (detail !== undefined) stderr.write(`${detail.replace(/^/gm, '    ')}\n`);
      const rl = readline.createInterface({ input: stdin, output: stderr, terminal: true });
      return new Promise<Decision>((resolve) => {
        // In raw mode Ctrl-C reaches readline, not the process: treat it as the interrupt it means.
        rl.once('SIGINT', () => {
          rl.close();
          stderr.write('\n');
          resolve({ result: 'interrupted' });
          onCtrlC();
        });
        rl.question(`allow ${description}? [y/N] `, (answer) => {
          rl.close();
          resolve(
            /^y(es)?$/i.test(answer.trim())
              ? { result: 'allow' }
              : { result: 'deny', reason: 'you answered no' },
          );
        });
      });
    },
  };
}
