// `agentd webhooks create|list|delete`: manages organization webhook endpoints through the SDK's
// client.beta.organization.webhooks (which sends the webhooks beta header).
import path from 'node:path';
import { parseArgs } from 'node:util';
import type Anthropic from '@anthropic-ai/sdk';
import { DEFAULT_URL, firstKey } from '../run/args.js';
import { createClient, explainError, probeServer, resolveKey, RunFailure } from '../run/connect.js';
import { WEBHOOKS_USAGE } from './usage.js';

const USAGE = `usage: agentd webhooks <create|list|delete> [options]\n\n${WEBHOOKS_USAGE}`;

type EventTypes = Anthropic.Beta.Organization.WebhookCreateParams['enabled_events'];

class UsageProblem extends Error {}

async function perform(client: Anthropic, sub: string, args: string[], values: Record<string, string | boolean | undefined>, out: NodeJS.WriteStream, err: NodeJS.WriteStream): Promise<void> {
  const webhooks = client.beta.organization.webhooks;
  if (sub === 'create') {
    if (args.length > 0) throw new UsageProblem(`unexpected argument "${args[0]}"`);
    const events = typeof values.events === 'string' ? values.events.split(',').map((e) => e.trim()).filter(Boolean) : [];
    if (typeof values['endpoint-url'] !== 'string') throw new UsageProblem('--url is required (where deliveries go)');
    if (events.length === 0) throw new UsageProblem('--events is required (comma-separated event types)');
    const created = await webhooks.create({
      url: values['endpoint-url'] as string,
      enabled_events: events as EventTypes,
      ...(typeof values.name === 'string' ? { name: values.name } : {}),
      ...(typeof values.description === 'string' ? { description: values.description } : {}),
    });
    err.write(`Created webhook endpoint ${created.id} for ${created.url} (${created.enabled_events.join(', ')}).\n`);
    err.write('Its signing secret is shown only this once: verify deliveries with it.\n');
    out.write(`${created.signing_secret}\n`);
    return;
  }
  if (sub === 'list') {
    if (args.length > 0) throw new UsageProblem(`unexpected argument "${args[0]}"`);
    for await (const e of webhooks.list()) {
      out.write(`${e.id}\t${e.state}\t${e.url}\t${e.enabled_events.join(',')}${e.disabled_reason ? `\t${e.disabled_reason}` : ''}\n`);
    }
    return;
  }
  if (sub === 'delete') {
    const [id, ...extra] = args;
    if (!id || extra.length > 0) throw new UsageProblem('expected "delete <webhook_endpoint_id>"');
    const deleted = await webhooks.delete(id);
    out.write(`deleted ${deleted.id}\n`);
    return;
  }
  throw new UsageProblem(`unknown subcommand "${sub}"`);
}

export async function webhooksCommand(argv: string[]): Promise<number> {
  const { stdout, stderr, env } = process;
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        // --url names the endpoint for `create`; the server comes from --server-url / AGENTD_URL.
        url: { type: 'string' },
        'server-url': { type: 'string' },
        events: { type: 'string' },
        name: { type: 'string' },
        description: { type: 'string' },
        'api-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    stderr.write(`agentd webhooks: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    stdout.write(USAGE);
    return 0;
  }
  const [sub, ...args] = positionals;
  if (!sub) {
    stderr.write(`agentd webhooks: expected create, list or delete\n\n${USAGE}`);
    return 2;
  }
  // For `create`, --url is the endpoint; for list/delete it may name the server, as elsewhere.
  const serverFlag = values['server-url'] ?? (sub === 'create' ? undefined : values.url);
  const url = (serverFlag ?? env.AGENTD_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  const opts = {
    url,
    apiKey: firstKey(values['api-key']) ?? firstKey(env.AGENTD_API_KEY),
    keyFile: path.resolve(env.AGENTD_DATA_DIR || './.agentd', 'api-key'),
  };
  try {
    const key = resolveKey(opts);
    try {
      await probeServer(url);
      await perform(createClient(url, key.key), sub, args, { ...values, 'endpoint-url': sub === 'create' ? values.url : undefined }, stdout, stderr);
      return 0;
    } catch (err) {
      if (err instanceof UsageProblem) {
        stderr.write(`agentd webhooks: ${err.message}\n\n${USAGE}`);
        return 2;
      }
      throw explainError(err, opts, key);
    }
  } catch (err) {
    if (!(err instanceof RunFailure)) throw err;
    stderr.write(`agentd: ${err.message}\n`);
    return err.exitCode;
  }
}
