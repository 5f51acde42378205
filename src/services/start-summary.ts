// What a started server serves, gathered for the start banner: where the data is, how tools are
// isolated, which model provider and whether its credentials were found (never their values).
import { databaseTarget, redactDatabaseUrl, type Config, type ModelProviderName } from '../config/config.js';
import { PROVIDER_CHECKS } from '../engine/model/provider-check.js';

export interface StartSummary {
  url: string;
  dialect: 'sqlite' | 'postgres';
  /** The SQLite file, or the PostgreSQL URL with its password hidden. */
  database: string;
  dataDir: string;
  filesDir: string;
  workspacesDir: string;
  /** `bubblewrap`, `none` (unisolated) or `off` (AGENTD_ENGINE=off: no sessions run here). */
  sandbox: 'bubblewrap' | 'none' | 'off';
  /** Why bubblewrap cannot run, when a caller started without requireSandbox (tool calls are refused). */
  sandboxUnavailable: string | undefined;
  provider: ModelProviderName;
  /** Where the model credentials come from; undefined when none were found. */
  credentials: string | undefined;
  /** Why model calls will fail, naming the variables to set. */
  modelProblem: string | undefined;
  /** The key file the server reads its API key from, when it uses one (not AGENTD_API_KEY). */
  apiKeyFile: string | undefined;
}

export function startSummary(config: Config, url: string, apiKeyFile: string | undefined, sandboxUnavailable: string | undefined): StartSummary {
  const target = databaseTarget(config.databaseUrl, config.dataDir);
  const check = PROVIDER_CHECKS[config.engine.provider](config.engine.providerEnv);
  return {
    url,
    dialect: target.dialect,
    database: target.dialect === 'postgres' ? redactDatabaseUrl(target.url) : target.file,
    dataDir: config.dataDir,
    filesDir: config.filesDir,
    workspacesDir: config.engine.workspacesDir,
    sandbox: !config.engine.enabled ? 'off' : config.sandbox.kind,
    sandboxUnavailable,
    provider: config.engine.provider,
    credentials: check.credentials,
    modelProblem: check.problem,
    apiKeyFile,
  };
}

/** The start error when bubblewrap cannot run and the operator did not choose otherwise. */
export function sandboxUnavailableAtStart(reason: string): string {
  return (
    `the bubblewrap sandbox cannot run on this host (${reason}). Built-in tools run only inside it. ` +
    'Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) and allow unprivileged user namespaces ' +
    '(see docs/sandbox.md; Ubuntu 24.04+ needs an AppArmor profile for bwrap), or set AGENTD_BWRAP_PATH to its binary; ' +
    'or start with AGENTD_SANDBOX=none to run tools unisolated (unsafe), ' +
    'or AGENTD_ENGINE=off for a node that runs no sessions.'
  );
}
