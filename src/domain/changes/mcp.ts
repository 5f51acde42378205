// Changes about MCP servers: session.error for a server that could not be listed or that refused
// its credential (naming the server and the credential, never a secret).
import type { ThreadState } from '../session-state.js';
import { engineEvent } from './engine-event.js';
import { noChanges, type ChangeEnv, type LogChanges } from './log-changes.js';

export interface McpServerFailure {
  server: string;
  type: 'mcp_connection_failed_error' | 'mcp_authentication_failed_error';
  message: string;
  /** `retrying`: agentd tries again on its own (a listing, before the next model call); `terminal`: it does not. */
  retry: 'retrying' | 'terminal';
}

export function mcpServerErrors(t: ThreadState, failures: readonly McpServerFailure[], env: ChangeEnv): LogChanges {
  return {
    ...noChanges(env.at),
    events: failures.map((f) =>
      engineEvent(
        'session.error',
        { error: { type: f.type, mcp_server_name: f.server, message: f.message, retry_status: { type: f.retry } } },
        env,
        { thread: t.id },
      ),
    ),
  };
}
