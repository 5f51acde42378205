// `agentd doctor`: every prerequisite of `agentd serve`, checked the way serve checks it (without
// creating or migrating anything), each with what to fix.
import fs from 'node:fs';
import path from 'node:path';
import { databaseTarget, redactDatabaseUrl, type Config } from '../config/config.js';
import { PROVIDER_CHECKS } from '../engine/model/provider-check.js';
import { bubblewrapProblem } from '../sandbox/bubblewrap/bubblewrap-provider.js';
import { databaseProblem } from '../store/open-store.js';
import { openS3BlobStore } from '../store/s3-blob-store.js';
import { describeBlobTarget } from '../config/blob-target.js';
import { sandboxChecks } from './sandbox-protections.js';
import { sandboxUnavailableAtStart } from './start-summary.js';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** What was found (ok), or what is wrong and what to do about it. */
  detail: string;
}

const MIN_NODE = 20;

function nodeCheck(): DoctorCheck {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= MIN_NODE
    ? { name: 'node', ok: true, detail: `v${process.versions.node}` }
    : { name: 'node', ok: false, detail: `v${process.versions.node}: agentd needs Node.js ${MIN_NODE} or newer` };
}

async function databaseCheck(config: Config): Promise<DoctorCheck> {
  const target = databaseTarget(config.databaseUrl, config.dataDir);
  const where = target.dialect === 'postgres' ? `PostgreSQL ${redactDatabaseUrl(target.url)}` : `SQLite ${target.file}`;
  const problem = await databaseProblem({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  return { name: 'database', ok: problem === undefined, detail: problem ?? `${where} (reachable)` };
}

async function sandboxCheck(config: Config): Promise<DoctorCheck> {
  if (!config.engine.enabled) return { name: 'sandbox', ok: true, detail: 'not needed (AGENTD_ENGINE=off: no sessions run here)' };
  if (config.sandbox.kind === 'none') return { name: 'sandbox', ok: true, detail: 'NONE (AGENTD_SANDBOX=none): tools run unisolated on this host' };
  const problem = await bubblewrapProblem(config.sandbox.bwrapPath);
  return problem ? { name: 'sandbox', ok: false, detail: sandboxUnavailableAtStart(problem) } : { name: 'sandbox', ok: true, detail: `bubblewrap (${config.sandbox.bwrapPath}) runs` };
}

function modelCheck(config: Config): DoctorCheck {
  const { provider, providerEnv } = config.engine;
  if (!config.engine.enabled) return { name: 'model', ok: true, detail: 'not needed (AGENTD_ENGINE=off)' };
  const check = PROVIDER_CHECKS[provider](providerEnv);
  return check.problem ? { name: 'model', ok: false, detail: `${provider}: ${check.problem}` } : { name: 'model', ok: true, detail: `${provider}, credentials from ${check.credentials}` };
}

function dataDirCheck(config: Config): DoctorCheck {
  let dir = config.dataDir;
  while (!fs.existsSync(dir)) dir = path.dirname(dir);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return { name: 'data dir', ok: true, detail: `${config.dataDir}${dir === config.dataDir ? '' : ' (created at start)'}` };
  } catch {
    return { name: 'data dir', ok: false, detail: `${config.dataDir}: ${dir} is not writable (choose another --data-dir or AGENTD_DATA_DIR)` };
  }
}

/** With AGENTD_BLOB_URL: the bucket answers HeadBucket, as serve checks it at start. */
async function filesCheck(config: Config): Promise<DoctorCheck[]> {
  if (config.blobs.kind !== 's3') return [];
  try {
    (await openS3BlobStore(config.blobs)).close();
    return [{ name: 'files', ok: true, detail: `${describeBlobTarget(config.blobs)} (reachable)` }];
  } catch (err) {
    return [{ name: 'files', ok: false, detail: (err as Error).message }];
  }
}

/** With a working bubblewrap: each of the sandbox's protections (networking, user, cgroups, seccomp). */
async function protectionChecks(config: Config, sandbox: DoctorCheck): Promise<DoctorCheck[]> {
  if (!sandbox.ok || !config.engine.enabled || config.sandbox.kind === 'none') return [];
  const checks = await sandboxChecks(config);
  return checks
    .filter((c) => c.name !== 'isolation')
    .map((c) => ({ name: c.name, ok: c.ok, detail: c.fix ? `${c.detail} (fix: ${c.fix})` : c.detail }));
}

export async function runDoctor(config: Config): Promise<DoctorCheck[]> {
  const sandbox = await sandboxCheck(config);
  return [nodeCheck(), dataDirCheck(config), await databaseCheck(config), ...(await filesCheck(config)), sandbox, ...(await protectionChecks(config, sandbox)), modelCheck(config)];
}
