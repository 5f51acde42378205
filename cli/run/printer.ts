// Writes session events: readable text (or JSON lines) on stdout, warnings and errors on stderr.
import type { SessionEvent } from './feed.js';
import { describeToolCall, summarizeResult, textOf } from './render.js';
import type { Style } from './style.js';

export interface Printer {
  event(event: SessionEvent): void;
  /** Status and diagnostics: always stderr, so stdout stays the agent's output. */
  note(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** The closing summary: stdout in text mode, stderr in JSON mode (stdout stays pure JSON lines). */
  summary(message: string): void;
}

export interface PrinterOptions {
  json: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  out: Style;
  err: Style;
}

export function createPrinter(o: PrinterOptions): Printer {
  const line = (stream: NodeJS.WritableStream, s: string) => stream.write(`${s}\n`);
  const note = (m: string) => line(o.stderr, o.err.dim(m));
  const warn = (m: string) => line(o.stderr, o.err.yellow(`⚠ ${m}`));
  const error = (m: string) => line(o.stderr, o.err.red(o.err.bold(`✗ ${m}`)));

  /** Diagnostics that matter in both modes. */
  function diagnostics(e: SessionEvent): void {
    switch (e.type) {
      case 'session.error':
        // A retried failure is followed by session.status_rescheduled; the warning says both.
        if (e.error.retry_status?.type === 'retrying') warn(`${e.error.message} (agentd is retrying)`);
        else error(e.error.message);
        return;
      case 'session.status_terminated':
        error('the session was terminated');
        return;
    }
  }

  // The agent.message being previewed live (event_start / event_delta) and what of it is printed.
  let live: { id: string; printed: string } | undefined;
  /** Ends a live line that no durable message will complete (cut off, or another event came first). */
  function endLive(): void {
    if (live && live.printed !== '') o.stdout.write('\n');
    live = undefined;
  }

  function text(e: SessionEvent): void {
    const { out } = o;
    if (live && !(e.type === 'event_delta' && e.event_id === live.id) && !(e.type === 'agent.message' && e.id === live.id)) endLive();
    switch (e.type) {
      case 'event_start':
        if (e.event.type === 'agent.message') live = { id: e.event.id, printed: '' };
        return;
      case 'event_delta':
        if (live && e.event_id === live.id) {
          o.stdout.write(e.delta.content.text);
          live.printed += e.delta.content.text;
        }
        return;
      case 'agent.message': {
        const full = textOf(e.content);
        // The durable message completes what was streamed (deltas are best-effort and may stop early).
        if (live && live.printed !== '' && full.startsWith(live.printed)) line(o.stdout, full.slice(live.printed.length));
        else {
          endLive();
          line(o.stdout, full);
        }
        live = undefined;
        return;
      }
      case 'agent.tool_use': {
        const denied = e.evaluated_permission === 'deny' ? out.dim(' (not permitted)') : '';
        line(o.stdout, `${out.cyan('▸')} ${describeToolCall(e.name, e.input)}${denied}`);
        return;
      }
      case 'agent.mcp_tool_use':
        line(o.stdout, `${out.cyan('▸')} ${e.mcp_server_name}/${describeToolCall(e.name, e.input)}`);
        return;
      case 'agent.custom_tool_use':
        line(o.stdout, `${out.cyan('▸')} ${describeToolCall(e.name, e.input)} ${out.dim('(custom tool)')}`);
        return;
      case 'agent.tool_result':
      case 'agent.mcp_tool_result': {
        const lines = summarizeResult(e.content);
        lines.forEach((l, i) => {
          if (e.is_error && i === 0) line(o.stdout, `  ${out.red(`✗ ${l}`)}`);
          else line(o.stdout, `  ${out.dim(l)}`);
        });
        return;
      }
      case 'agent.thread_context_compacted':
        note('(the conversation was compacted to fit the context window)');
        return;
    }
  }

  return {
    event(e) {
      if (o.json) line(o.stdout, JSON.stringify(e));
      else text(e);
      diagnostics(e);
    },
    note,
    warn,
    error,
    summary: (m) => (o.json ? note(m) : line(o.stdout, o.out.dim(m))),
  };
}
