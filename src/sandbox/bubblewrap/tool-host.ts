// Entry point that runs INSIDE a session's bubblewrap sandbox: executes the built-in tools for the
// server, one JSON request per stdin line, one JSON reply per stdout line. Everything here is on
// the untrusted side of the boundary; the server re-checks what it receives.
import net from 'node:net';
import readline from 'node:readline';
import { betaAgentToolset20260401 } from '@anthropic-ai/sdk/tools/agent-toolset/node';
import { runRunnableTool } from '@anthropic-ai/sdk/lib/tools/BetaRunnableTool';
import type { BetaRunnableTool } from '@anthropic-ai/sdk/lib/tools/BetaRunnableTool';
import { globTool } from '../direct/glob-tool.js';
import type { ToolHostConfig, ToolHostMessage, ToolHostRequest } from './protocol.js';

// stdout is the protocol channel: keep stray library logging off it.
console.log = console.info = console.debug = (...args: unknown[]) => console.error(...args);

const config = JSON.parse(process.argv[2] ?? '{}') as ToolHostConfig;

function send(message: ToolHostMessage): void {
  process.stdout.write(JSON.stringify(message) + '\n');
}

/** Serves `port` on the sandbox's loopback, relaying each connection to a Unix socket of the server. */
async function startRelay(port: number, socketPath: string): Promise<void> {
  const server = net.createServer((client) => {
    const upstream = net.connect(socketPath);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
}

function toolset(): Map<string, BetaRunnableTool> {
  const ctx = { workdir: config.workdir, allowedRoots: config.allowedRoots };
  const tools = betaAgentToolset20260401(ctx).filter((t) => t.name !== 'glob');
  return new Map([...tools, globTool(config.workdir, config.allowedRoots) as BetaRunnableTool].map((t) => [t.name, t]));
}

/** Caps bash's own timeout so a call cannot ask to outlive the server's per-call limit. */
function capped(name: string, input: Record<string, unknown>): Record<string, unknown> {
  if (name !== 'bash') return input;
  const asked = typeof input.timeout_ms === 'number' && input.timeout_ms > 0 ? input.timeout_ms : 120_000;
  return { ...input, timeout_ms: Math.min(asked, config.maxCallMs) };
}

async function main(): Promise<void> {
  // Limited: the empty namespace's only way out is the server's proxy. Unrestricted: the
  // operator's host ports (AGENTD_SANDBOX_HOST_PORTS), the only part of the host reachable.
  if (config.proxy) await startRelay(config.proxy.port, config.proxy.socketPath);
  for (const p of config.hostPorts ?? []) await startRelay(p.port, p.socketPath);
  const tools = toolset();
  const inFlight = new Map<number, AbortController>();

  async function run(req: Extract<ToolHostRequest, { name: string }>): Promise<void> {
    const ctrl = new AbortController();
    inFlight.set(req.id, ctrl);
    try {
      const tool = tools.get(req.name);
      if (!tool) return send({ id: req.id, isError: true, content: [{ type: 'text', text: `Unknown tool "${req.name}".` }] });
      const input = capped(req.name, req.input);
      const toolUse = { type: 'tool_use' as const, id: req.toolUseId, name: req.name, input };
      const outcome = await runRunnableTool(tool, input, { toolUse, toolUseBlock: toolUse, signal: ctrl.signal } as never);
      const content = typeof outcome.content === 'string' ? [{ type: 'text' as const, text: outcome.content }] : (outcome.content ?? []);
      send({ id: req.id, isError: outcome.isError, content });
    } catch (err) {
      send({ id: req.id, isError: true, content: [{ type: 'text', text: `tool failed: ${err instanceof Error ? err.message : String(err)}` }] });
    } finally {
      inFlight.delete(req.id);
    }
  }

  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    let req: ToolHostRequest;
    try {
      req = JSON.parse(line) as ToolHostRequest;
    } catch {
      return;
    }
    if ('cancel' in req) inFlight.get(req.id)?.abort(new Error('cancelled by the server'));
    else void run(req);
  });
  // The server closing our stdin means "stop": end the shells, then exit.
  lines.on('close', () => {
    for (const tool of tools.values()) void tool.close?.();
    process.exit(0);
  });
  send({ ready: true });
}

main().catch((err) => {
  console.error(`tool host failed to start: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
