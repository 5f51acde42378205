// Stands in for the bubblewrap sandbox on a host where it cannot run: every built-in tool call is
// refused with an explanation, because running the agent's commands unisolated is the operator's
// explicit choice (AGENTD_SANDBOX=none), never a silent fallback.
import type { Logger } from '../../logger.js';
import type { SandboxProvider, SessionSandbox, ToolOutcome } from '../types.js';

export function refusalText(reason: string): string {
  return (
    `Tool execution is unavailable on this agentd server: its bubblewrap sandbox cannot run on this host (${reason}). ` +
    'Built-in tools of cloud environments run only inside that isolation boundary. The operator can install ' +
    'bubblewrap and allow unprivileged user namespaces, or explicitly opt out of isolation with AGENTD_SANDBOX=none (unsafe).'
  );
}

export function unavailableProvider(reason: string, logger: Logger): SandboxProvider {
  const refuse = async (): Promise<ToolOutcome> => {
    logger.error({ reason }, 'refused a tool call: the sandbox is unavailable on this host (see AGENTD_SANDBOX)');
    return { isError: true, content: [{ type: 'text', text: refusalText(reason) }] };
  };
  // Tool calls are refused with the reason, which covers the environment's packages too.
  const sandbox: SessionSandbox = { prepare: async () => ({ ok: true }), run: refuse, close: async () => {} };
  return { kind: 'unavailable', open: () => sandbox };
}
