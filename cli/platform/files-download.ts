// `agentd files download <id> [-o <path>]`: the file's bytes, to the path given or its own filename.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type Anthropic from '@anthropic-ai/sdk';
import { RunFailure } from '../run/connect.js';
import { connect, failureOf, type Connection } from './connection.js';
import { EXIT } from './exit-codes.js';
import { CONNECTION_FLAGS, type CommandIo } from './io.js';
import { json } from './output.js';
import { resourceNamed } from './resources.js';
import { resourceUsage } from './usage.js';

/** Writes a file's bytes to `dest` (made with its directories); returns the byte count. */
export async function downloadTo(client: Anthropic, fileId: string, dest: string): Promise<number> {
  const res = await client.beta.files.download(fileId);
  const bytes = Buffer.from(await res.arrayBuffer());
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.writeFileSync(dest, bytes);
  return bytes.length;
}

export async function filesDownload(argv: string[], io: CommandIo): Promise<number> {
  let conn: Connection | undefined;
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: { ...CONNECTION_FLAGS, output: { type: 'string', short: 'o' } }, allowPositionals: true, strict: true });
    } catch (err) {
      throw new RunFailure((err as Error).message, EXIT.usage);
    }
    const { values, positionals } = parsed;
    const [, fileId, ...extra] = positionals;
    if (!fileId || extra.length > 0) throw new RunFailure('agentd files download: expected <file_id>', EXIT.usage);
    conn = connect(values, io.env);
    let dest = values.output;
    if (dest === undefined) {
      const meta = await conn.client.beta.files.retrieveMetadata(fileId);
      // Only the last path segment of the server's filename: never write outside the directory.
      dest = path.basename(meta.filename) || fileId;
    }
    if (dest === '-') {
      const res = await conn.client.beta.files.download(fileId);
      io.stdout.write(Buffer.from(await res.arrayBuffer()));
      return EXIT.ok;
    }
    const size = await downloadTo(conn.client, fileId, dest);
    io.stdout.write(values.json ? json({ id: fileId, path: path.resolve(dest), size_bytes: size }) : `wrote ${size} bytes to ${dest}\n`);
    return EXIT.ok;
  } catch (err) {
    const failure = failureOf(err, conn);
    io.stderr.write(`agentd files: ${failure.message}\n`);
    if (failure.exitCode === EXIT.usage) io.stderr.write(`\n${resourceUsage(resourceNamed('files')!)}`);
    return failure.exitCode;
  }
}
