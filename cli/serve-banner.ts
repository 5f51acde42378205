// The start banner of `agentd serve`: what it serves and what is missing, with the variable to set.
import type { StartSummary } from '../src/services/start-summary.js';

export function serveBanner(s: StartSummary, version: string): string {
  const lines = [`agentd ${version} serving ${s.url}`];
  lines.push(`  data      ${s.dialect === 'sqlite' ? `SQLite ${s.database}` : `PostgreSQL ${s.database}`}`);
  lines.push(`  files     ${s.filesDir}`);
  lines.push(`  sessions  workspaces in ${s.workspacesDir}`);
  lines.push(`  sandbox   ${sandboxLine(s)}`);
  lines.push(`  model     ${modelLine(s)}`);
  lines.push(`  api key   ${s.apiKeyFile ? `in ${s.apiKeyFile}` : 'from AGENTD_API_KEY'}`);
  return lines.join('\n') + '\n';
}

function sandboxLine(s: StartSummary): string {
  switch (s.sandbox) {
    case 'off':
      return 'none needed (AGENTD_ENGINE=off: this node runs no sessions)';
    case 'none':
      return 'NONE (AGENTD_SANDBOX=none): tools run unisolated on this host';
    case 'bubblewrap':
      return s.sandboxUnavailable ? `bubblewrap UNAVAILABLE (${s.sandboxUnavailable}): tool calls are refused` : 'bubblewrap, one sandbox per session';
  }
}

function modelLine(s: StartSummary): string {
  if (s.sandbox === 'off') return `${s.provider} (only the gateway calls it on this node)`;
  if (s.modelProblem) return `${s.provider}, NO CREDENTIALS FOUND (sessions fail until the server restarts with them): ${s.modelProblem}`;
  return `${s.provider}, credentials from ${s.credentials}`;
}
