// Changes about MCP servers: session.error for a server that could not be listed or that refused
// its credential (naming the server and the credential, never a secret). The turn goes on without
// that server's tools (a failed call is answered with the error), and agentd tries the server
// again (a listing before the next model call, a call when the model makes one): `retrying`.
import type { ThreadState } from '../session-state.js';
import { retryStatus } from '../retry-status.js';
import { engineEvent } from './engine-event.js';
import { noChanges, type ChangeEnv, type LogChanges } from './log-changes.js';

export interface McpServerFailure {
  server: string;
  type: 'mcp_connection_failed_error' | 'mcp_authentication_failed_error';
  message: string;
}

export function mcpServerErrors(t: ThreadState, failures: readonly McpServerFailure[], env: ChangeEnv): LogChanges {
  return {
    ...noChanges(env.at),
    events: failures.map((f) =>
      engineEvent(
        'session.error',
        { error: { type: f.type, mcp_server_name: f.server, message: f.message, retry_status: retryStatus('goes_on') } },
        env,
        { thread: t.id },
      ),
    ),
  };
}
