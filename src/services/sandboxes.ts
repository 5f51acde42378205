// Chooses where built-in tools of cloud environments run (AGENTD_SANDBOX): bubblewrap isolation
// by default; `none` is the operator's explicit, loudly logged opt-out.
import path from 'node:path';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../logger.js';
import type { Config } from '../config/config.js';
import type { LocalSandboxes } from '../sandbox/bubblewrap/bubblewrap-provider.js';
import type { EnvCredentialSource } from '../sandbox/bubblewrap/bubblewrap-sandbox.js';
import { unavailableProvider } from '../sandbox/bubblewrap/unavailable.js';

// Each provider is imported when chosen: a server loads only the one it runs (start-up time).

export async function createLocalSandboxes(
  config: Config,
  logger: Logger,
  clock: Clock,
  credentials?: EnvCredentialSource,
): Promise<LocalSandboxes> {
  const s = config.sandbox;
  // An API-only node (AGENTD_ENGINE=off) never runs tools: nothing to probe or warn about.
  if (!config.engine.enabled) return { provider: unavailableProvider('this node does not run sessions', logger), unavailable: undefined, close: async () => {} };
  if (s.kind === 'none') {
    // Logged at every start, not once: the choice must stay visible in the server's logs.
    logger.warn(
      'AGENTD_SANDBOX=none: SANDBOX DISABLED. Built-in tools of cloud environments run directly on this host as the ' +
        "server's user, with access to its files, environment and network. Use only on a machine dedicated to trusted agents.",
    );
    const { directSandboxProvider } = await import('../sandbox/direct/direct-sandbox.js');
    const direct = directSandboxProvider(config.engine.workspacesDir, logger, { clock, ms: s.idleMs });
    return { provider: direct.provider, unavailable: undefined, close: async () => direct.close() };
  }
  const { createBubblewrapSandboxes } = await import('../sandbox/bubblewrap/bubblewrap-provider.js');
  return createBubblewrapSandboxes({
    bwrapPath: s.bwrapPath,
    workspacesDir: config.engine.workspacesDir,
    idleMs: s.idleMs,
    clock,
    maxCallMs: s.toolTimeoutMs,
    maxOutputBytes: s.toolOutputBytes,
    memoryMb: s.memoryMb,
    maxProcesses: s.maxProcesses,
    protectedPaths: [config.dataDir, config.filesDir],
    hostPorts: s.hostPorts,
    allowedNetworks: s.allowedNetworks,
    cpus: s.cpus,
    uid: s.uid,
    gid: s.gid,
    logger,
    ...(credentials ? { credentials } : {}),
    caDir: path.join(config.dataDir, 'egress-ca'),
    extraCaFiles: s.egressExtraCaFile ? [s.egressExtraCaFile] : [],
    packages: s.packages,
  });
}
