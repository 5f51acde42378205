// A request body from `-f <file>` (YAML or JSON; `-` is stdin) or `--data '<json>'`.
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { RunFailure } from '../run/connect.js';
import { EXIT } from './exit-codes.js';

export function readBody(flags: { file?: string | undefined; data?: string | undefined }): Record<string, unknown> {
  if (flags.file !== undefined && flags.data !== undefined) throw new RunFailure('give the body with -f <file> or --data, not both', EXIT.usage);
  let text: string;
  let from: string;
  if (flags.data !== undefined) {
    text = flags.data;
    from = '--data';
  } else if (flags.file !== undefined) {
    from = flags.file;
    try {
      text = fs.readFileSync(flags.file === '-' ? 0 : flags.file, 'utf8');
    } catch (err) {
      throw new RunFailure(`cannot read ${flags.file}: ${(err as Error).message}`, EXIT.usage);
    }
  } else {
    throw new RunFailure('missing the body: -f <file.yaml|file.json> or --data \'{"name": …}\'', EXIT.usage);
  }
  let value: unknown;
  try {
    // YAML is a superset of JSON: one parser reads both.
    value = parseYaml(text);
  } catch (err) {
    throw new RunFailure(`${from} is not valid YAML or JSON: ${(err as Error).message}`, EXIT.usage);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new RunFailure(`${from} must hold one object`, EXIT.usage);
  return value as Record<string, unknown>;
}
