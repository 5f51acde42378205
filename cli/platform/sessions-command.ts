// `agentd sessions tail|send|interrupt|confirm`: following and driving one session from a terminal.
import { parseArgs } from 'node:util';
import { RunFailure } from '../run/connect.js';
import { watchCtrlC } from '../run/ctrl-c.js';
import { SessionFeed, type SessionEvent } from '../run/feed.js';
import { createPrinter } from '../run/printer.js';
import { formatUsage, textOf } from '../run/render.js';
import { styleFor } from '../run/style.js';
import { connect, failureOf, type Connection } from './connection.js';
import { EXIT } from './exit-codes.js';
import { CONNECTION_FLAGS, type CommandIo } from './io.js';
import { json } from './output.js';
import { resourceNamed } from './resources.js';
import { resourceUsage } from './usage.js';

export const SESSION_ACTIONS = ['tail', 'send', 'interrupt', 'confirm'] as const;

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: { ...CONNECTION_FLAGS, 'until-idle': { type: 'boolean' }, deny: { type: 'boolean' }, message: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new RunFailure((err as Error).message, EXIT.usage);
  }
}

export async function sessionsAction(argv: string[], io: CommandIo): Promise<number> {
  let conn: Connection | undefined;
  try {
    const { values, positionals } = parse(argv);
    const [action, sessionId, ...rest] = positionals;
    if (!sessionId) throw new RunFailure(`agentd sessions ${action}: missing the session id`, EXIT.usage);
    const usage = (what: string) => new RunFailure(`agentd sessions ${action}: ${what}`, EXIT.usage);
    if (action === 'send' && rest.length === 0) throw usage('missing the message text');
    if (action === 'confirm' && rest.length !== 1) throw usage('expected <session_id> <tool_use_id>');
    if ((action === 'tail' || action === 'interrupt') && rest.length > 0) throw usage(`unexpected argument "${rest[0]}"`);
    if (values.message !== undefined && !values.deny) throw usage('--message goes with --deny');
    conn = connect(values, io.env);
    const events = conn.client.beta.sessions.events;
    switch (action) {
      case 'tail':
        return await tail(conn, sessionId, values['until-idle'] === true, values.json === true, io);
      case 'send': {
        const sent = await events.send(sessionId, { events: [{ type: 'user.message', content: [{ type: 'text', text: rest.join(' ') }] }] });
        io.stdout.write(values.json ? json(sent) : `sent ${(sent.data ?? []).map((e) => e.id).join(', ')}\n`);
        return EXIT.ok;
      }
      case 'interrupt': {
        const sent = await events.send(sessionId, { events: [{ type: 'user.interrupt' }] });
        io.stdout.write(values.json ? json(sent) : `interrupt sent (${(sent.data ?? []).map((e) => e.id).join(', ')})\n`);
        return EXIT.ok;
      }
      default: {
        const toolUseId = rest[0]!;
        const sent = await events.send(sessionId, {
          events: [
            values.deny
              ? { type: 'user.tool_confirmation', tool_use_id: toolUseId, result: 'deny', ...(values.message ? { deny_message: values.message } : {}) }
              : { type: 'user.tool_confirmation', tool_use_id: toolUseId, result: 'allow' },
          ],
        });
        io.stdout.write(values.json ? json(sent) : `${values.deny ? 'denied' : 'allowed'} ${toolUseId}\n`);
        return EXIT.ok;
      }
    }
  } catch (err) {
    const failure = failureOf(err, conn);
    io.stderr.write(`agentd sessions: ${failure.message}\n`);
    if (failure.exitCode === EXIT.usage) io.stderr.write(`\n${resourceUsage(resourceNamed('sessions')!)}`);
    return failure.exitCode;
  }
}

/** Past events, then live ones, rendered as `agentd run` does (plus user input and status changes). */
async function tail(conn: Connection, sessionId: string, untilIdle: boolean, asJson: boolean, io: CommandIo): Promise<number> {
  const out = styleFor(io.stdout as NodeJS.WriteStream, io.env);
  const printer = createPrinter({ json: asJson, stdout: io.stdout, stderr: io.stderr, out, err: styleFor(io.stderr as NodeJS.WriteStream, io.env) });
  const feed = new SessionFeed(conn.client, sessionId, {
    onDisconnect: (reason) => printer.warn(`lost the event stream (${reason}); reconnecting…`),
    onReconnect: () => printer.note('reconnected'),
  });
  let stopped = false;
  const ctrlC = watchCtrlC(
    () => {
      stopped = true;
      feed.close();
    },
    () => process.exit(EXIT.interrupted),
  );
  try {
    const past = await feed.openWithHistory();
    let seen = 0;
    for await (const event of feed.events()) {
      seen++;
      printer.event(event);
      if (!asJson) io.stdout.write(extraLine(event, out));
      if (event.type === 'session.status_terminated') return EXIT.ok;
      // The session's current idle: the last event of the history, or a live one (not an earlier turn's).
      if (untilIdle && event.type === 'session.status_idle' && seen >= past) return EXIT.ok;
    }
    return stopped ? EXIT.ok : EXIT.failed;
  } finally {
    ctrlC.dispose();
    feed.close();
  }
}

/** What `agentd run` leaves out because it typed it itself: user input and status changes; and usage snapshots. */
function extraLine(e: SessionEvent, out: ReturnType<typeof styleFor>): string {
  switch (e.type) {
    case 'user.message':
      return `${out.bold('>')} ${textOf(e.content)}\n`;
    case 'user.interrupt':
      return out.dim('· interrupted by the user\n');
    case 'user.tool_confirmation':
      return out.dim(`· ${e.result === 'allow' ? 'allowed' : 'denied'} ${e.tool_use_id}\n`);
    case 'session.status_running':
      return out.dim('· running\n');
    case 'session.status_idle':
      return out.dim(`· idle (${e.stop_reason.type})\n`);
    case 'session.status_terminated':
      return out.dim('· terminated\n');
    case 'session.usage': {
      // The session's running totals after a model call; list cost is integer cents.
      const cents = Number(e.usage.list_cost?.amount ?? 0);
      return out.dim(`· ${formatUsage(e.usage)} · list cost $${(cents / 100).toFixed(2)}\n`);
    }
    default:
      return '';
  }
}
