// Usage texts of the platform commands (also shown in `agentd --help`).
import type { ResourceSpec } from './resources.js';

const CONNECTION = `            --url <url>            server (AGENTD_URL, default http://127.0.0.1:4600)
            --api-key <key>        server key (AGENTD_API_KEY, else the key file
                                   ./.agentd/api-key or $AGENTD_DATA_DIR/api-key)
            --json                 print the API's JSON instead of a table
            Exit status: 0 done, 1 refused or failed (the server's error is printed),
            2 usage error, 3 not found.`;

const EXTRA: Record<string, string> = {
  sessions: `  sessions tail <id> [--until-idle]    print the session's events, then follow them (reconnects
                                       and resumes without repeats; Ctrl-C stops, exit 0);
                                       --until-idle stops once the session is idle (any stop
                                       reason, including requires_action) or terminated
  sessions send <id> "<text>"          send a user message
  sessions interrupt <id>              interrupt the agent
  sessions confirm <id> <tool_use_id> [--deny [--message <text>]]
                                       allow (or deny) a tool call that waits for confirmation
`,
  environments: `  environments key <env_id>             create a key for a self_hosted environment's workers
                                       (agentd environments key --help)
`,
  files: `  files download <id> [-o <path>]      write the file's bytes to <path> (default: its filename)
`,
};

function verbLine(spec: ResourceSpec): string {
  const lines: string[] = [];
  for (const verb of spec.verbs) {
    const from = spec.createFrom ?? 'body';
    const args =
      verb === 'list'
        ? `[--limit N] [--include-archived]${(spec.listFilters ?? []).map((f) => ` [--${f.replace(/_/g, '-')} <id>]`).join('')}`
        : verb === 'create'
          ? from === 'file'
            ? '<path>'
            : from === 'directory'
              ? '<skill-dir>'
              : '-f <file.yaml|json> | --data <json>'
          : verb === 'update'
            ? `<id> -f <file> | --data <json>${spec.versioned ? ' (version: the current one unless given)' : ''}`
            : '<id>';
    lines.push(`  ${spec.name} ${verb} ${args}`);
  }
  return lines.join('\n') + '\n';
}

export function resourceUsage(spec: ResourceSpec): string {
  return `usage: agentd ${spec.name} <${spec.verbs.join('|')}${spec.name in EXTRA ? '|…' : ''}> [options]\n\n${verbLine(spec)}${EXTRA[spec.name] ?? ''}\n${CONNECTION}\n`;
}

export function platformUsage(specs: readonly ResourceSpec[]): string {
  return `  ${specs.map((s) => s.name).join('|')} <verb> [options]
            list, get, create, update, archive, delete the platform's resources
            (\`agentd <resource> --help\` lists the verbs each has); also
            sessions tail|send|interrupt|confirm, files download
`;
}
