// One `agentd run`: set up the default agent and environment, start a session, stream it until the
// turn is over (client pattern 5), answer permission prompts, and turn the outcome into an exit code.
import Anthropic from '@anthropic-ai/sdk';
import type { RunOptions } from './args.js';
import { specFromOptions } from './agent-spec.js';
import { probeServer } from './connect.js';
import { watchCtrlC, type CtrlC } from './ctrl-c.js';
import { ensureAgent, ensureEnvironment } from './defaults.js';
import { SessionFeed, type SessionEvent } from './feed.js';
import type { Asker } from './permissions.js';
import type { Printer } from './printer.js';
import { describeToolCall, formatUsage, fullToolInput } from './render.js';
import { copyOutputs, OUTPUTS_NOTE } from './outputs.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

const TITLE_MAX = 80;

/** One line, cut to a readable length: the session list shows it. */
export function titleOf(task: string): string {
  const flat = task.replace(/\s+/g, ' ').trim();
  return flat.length <= TITLE_MAX ? flat : `${flat.slice(0, TITLE_MAX - 1)}…`;
}

/** How the followed turn ended. */
type Ending = 'end_turn' | 'retries_exhausted' | 'budget_reached' | 'refusal' | 'terminated' | 'stream_closed';

type AskEvent = Extract<SessionEvent, { type: 'agent.tool_use' | 'agent.mcp_tool_use' }>;

export interface TaskRunDeps {
  client: Anthropic;
  options: RunOptions;
  printer: Printer;
  asker: Asker;
  /** Exits the process (the second Ctrl-C); injectable so the flow stays readable. */
  exit: (code: number) => never;
}

export class TaskRun {
  private sessionId: string | undefined;
  /** The kickoff message's send, which an interrupt must follow, never overtake. */
  private kickoff: Promise<unknown> | undefined;
  private interruptSent: Promise<void> | undefined;
  /** Why we interrupted: the user (exit 130) or a call the CLI cannot answer (exit 1). */
  private interruptedBy: 'user' | 'custom_tool' | undefined;
  private failed = false;
  private feed: SessionFeed | undefined;
  private ctrlC: CtrlC | undefined;

  constructor(private readonly deps: TaskRunDeps) {}

  /** Ctrl-C for prompts that swallow the signal (readline in raw mode). */
  pressCtrlC(): void {
    this.ctrlC?.press();
  }

  async run(): Promise<number> {
    const { client, options, printer } = this.deps;
    this.ctrlC = watchCtrlC(
      () => this.onFirstCtrlC(),
      () => this.deps.exit(EXIT.interrupted),
    );
    try {
      await probeServer(options.url);
      const [environment, agent] = await Promise.all([ensureEnvironment(client), ensureAgent(client, specFromOptions(options))]);
      if (this.interruptedBy) return EXIT.interrupted;
      const session = await client.beta.sessions.create({
        agent: { type: 'agent', id: agent.id, version: agent.version },
        environment_id: environment.id,
        title: titleOf(options.task),
      });
      this.sessionId = session.id;
      printer.note(`session ${session.id} · agent ${agent.name} v${agent.version} (${agent.model.id}) · ${options.url}`);
      if (this.interruptedBy) return EXIT.interrupted;

      // Stream first, then send (client pattern 7): nothing the agent does can slip past.
      this.feed = new SessionFeed(client, session.id, {
        // Text mode prints the agent's message as it streams; JSON lines stay durable events only.
        previews: options.json ? [] : ['agent.message'],
        onDisconnect: (reason) => printer.warn(`lost the event stream (${reason}); reconnecting…`),
        onReconnect: () => printer.note('reconnected'),
      });
      await this.feed.open();
      const content = [{ type: 'text' as const, text: options.task }];
      if (options.out) content.push({ type: 'text', text: OUTPUTS_NOTE });
      this.kickoff = client.beta.sessions.events.send(session.id, { events: [{ type: 'user.message', content }] });
      await this.kickoff;
      const ending = await this.follow(this.feed);
      await this.printUsage(session.id);
      await this.handBack(session.id);
      return this.exitCode(ending);
    } finally {
      this.ctrlC.dispose();
      this.feed?.close();
    }
  }

  private async follow(feed: SessionFeed): Promise<Ending> {
    for await (const event of feed.events()) {
      this.deps.printer.event(event);
      switch (event.type) {
        case 'agent.tool_use':
        case 'agent.mcp_tool_use':
          if (event.evaluated_permission === 'ask') await this.confirm(event);
          break;
        case 'agent.custom_tool_use':
          this.deps.printer.error(
            `the agent called the custom tool "${event.name}", which agentd run cannot answer; interrupting the session`,
          );
          this.interrupt('custom_tool');
          break;
        case 'session.error':
          if (event.error.retry_status?.type !== 'retrying') this.failed = true;
          break;
        case 'session.status_terminated':
          return 'terminated';
        case 'session.status_idle':
          // Idle with requires_action waits on us (a confirmation); only other reasons end the turn.
          if (event.stop_reason.type !== 'requires_action') return event.stop_reason.type;
          break;
      }
    }
    return 'stream_closed';
  }

  private async confirm(event: AskEvent): Promise<void> {
    const { client, printer, asker } = this.deps;
    if (this.interruptedBy) return; // the interrupt settles this call
    const description = describeToolCall(event.name, event.input);
    const decision = await asker.decide(description, fullToolInput(event.name, event.input));
    if (decision.result === 'interrupted' || this.interruptedBy) return;
    if (decision.result === 'deny') printer.warn(`denied ${description} (${decision.reason})`);
    try {
      await client.beta.sessions.events.send(this.sessionId!, {
        events: [
          decision.result === 'allow'
            ? { type: 'user.tool_confirmation', tool_use_id: event.id, result: 'allow' }
            : {
                type: 'user.tool_confirmation',
                tool_use_id: event.id,
                result: 'deny',
                ...(decision.message ? { deny_message: decision.message } : {}),
              },
        ],
      });
    } catch (err) {
      // An interrupt that landed first voids the call; the server then refuses the answer.
      if (!(err instanceof Anthropic.BadRequestError) || !this.interruptedBy) throw err;
    }
  }

  private onFirstCtrlC(): void {
    if (!this.kickoff) {
      // Nothing was sent, so nothing runs: stop right here.
      this.interruptedBy = 'user';
      if (!this.sessionId) return; // setup finishes its request, then returns 130
      this.deps.exit(EXIT.interrupted);
    }
    this.deps.printer.warn('interrupting the agent… (Ctrl-C again to quit now)');
    this.interrupt('user');
  }

  private interrupt(by: 'user' | 'custom_tool'): void {
    if (by === 'user' || !this.interruptedBy) this.interruptedBy = by;
    if (this.interruptSent) return;
    const { client, printer } = this.deps;
    const sessionId = this.sessionId!;
    this.interruptSent = (async () => {
      await this.kickoff?.catch(() => {});
      await client.beta.sessions.events.send(sessionId, { events: [{ type: 'user.interrupt' }] });
    })().catch((err: unknown) => {
      printer.error(`could not interrupt session ${sessionId}: ${err instanceof Error ? err.message : String(err)}`);
      this.deps.exit(this.interruptedBy === 'user' ? EXIT.interrupted : EXIT.failed);
    });
  }

  /** --out: the session's outputs into the directory; otherwise say where the work stayed. */
  private async handBack(sessionId: string): Promise<void> {
    const { client, options, printer } = this.deps;
    if (!options.out) {
      printer.note(`the files the agent made stay on the server with session ${sessionId} (agentd run --out <dir> copies its outputs back)`);
      return;
    }
    const copied = await copyOutputs(client, sessionId, options.out, (m) => printer.warn(m));
    const total = copied.reduce((n, c) => n + c.bytes, 0);
    printer.note(copied.length === 0 ? `the session left no outputs to copy to ${options.out}` : `copied ${copied.length} output file${copied.length === 1 ? '' : 's'} (${total} bytes) to ${options.out}`);
  }

  private async printUsage(sessionId: string): Promise<void> {
    try {
      const session = await this.deps.client.beta.sessions.retrieve(sessionId);
      this.deps.printer.summary(formatUsage(session.usage));
    } catch {
      // The usage line is a courtesy; the outcome is already known.
    }
  }

  private exitCode(ending: Ending): number {
    if (this.interruptedBy === 'user') return EXIT.interrupted;
    if (this.interruptedBy === 'custom_tool') return EXIT.failed;
    if (ending === 'stream_closed') this.deps.printer.error('the event stream ended before the session finished');
    if (ending === 'budget_reached') this.deps.printer.error('the session reached its budget and stopped');
    if (ending === 'refusal') this.deps.printer.error('the model refused to continue');
    return ending === 'end_turn' && !this.failed ? EXIT.ok : EXIT.failed;
  }
}
