// Clones a repository resource on the host with git. The authorization token reaches only this git
// process (as an HTTP header through GIT_CONFIG_* environment variables): it is never written to
// the clone's .git/config, never put on a command line, and never enters the sandbox.
import { execFile } from 'node:child_process';
import { classifyGitFailure, type GitStage, type RepositoryErrorType } from '../../domain/repository-failure.js';
import { invalidRequest } from '../../errors.js';

export type Checkout = { type: 'branch'; name: string } | { type: 'commit'; sha: string };

export interface CloneRequest {
  url: string;
  token?: string | undefined;
  checkout?: Checkout | null | undefined;
  /** Directory to create (must not exist). */
  dest: string;
  timeoutMs?: number;
}

/** A git operation on a repository failed: where, why (token removed), and its session.error type. */
export class GitFailure extends Error {
  readonly type: RepositoryErrorType;
  constructor(
    readonly stage: GitStage,
    readonly url: string,
    readonly reason: string,
    detail: string,
  ) {
    super(stage === 'checkout' ? `could not check out ${url}: ${reason}` : `could not clone ${url}: ${reason}`);
    this.name = 'GitFailure';
    this.type = classifyGitFailure(stage, detail);
  }
}

const CLONE_TIMEOUT_MS = 10 * 60_000;
const LS_REMOTE_TIMEOUT_MS = 60_000;

/** Transports a repository url may use; anything else (e.g. `ext::`, which runs commands) is refused. */
const URL_FORMS = [/^https?:\/\//i, /^ssh:\/\//i, /^git:\/\//i, /^file:\/\//i, /^\//, /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/]/];

/** Checks a repository url before anything is cloned. */
export function checkRepositoryUrl(url: string, field: string): void {
  if (!URL_FORMS.some((re) => re.test(url)) || /[\0\n\r]/.test(url)) {
    throw invalidRequest(`${field}: expected an https://, http://, ssh://, git:// or file:// url, user@host:path, or an absolute path`);
  }
  if (/^[a-z]+:\/\//i.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw invalidRequest(`${field}: not a valid url`);
    }
    // An http(s) url's user name is where tokens get put too (https://<token>@host/…); ssh:// needs its user.
    const http = parsed.protocol === 'http:' || parsed.protocol === 'https:';
    if (parsed.password !== '' || (http && parsed.username !== '')) {
      throw invalidRequest(`${field}: must not embed credentials; pass the token as authorization_token`);
    }
  }
}

export function checkCheckout(checkout: Checkout | null | undefined, field: string): void {
  if (!checkout) return;
  if (checkout.type === 'commit' && !/^[0-9a-f]{7,64}$/i.test(checkout.sha)) {
    throw invalidRequest(`${field}.checkout.sha: expected a hexadecimal commit SHA`);
  }
  if (checkout.type === 'branch' && (checkout.name.startsWith('-') || /[\0-\x20\x7f~^:?*[\\]/.test(checkout.name))) {
    throw invalidRequest(`${field}.checkout.name: not a valid branch name`);
  }
}

/** Host settings and credential helpers must not apply; only the listed transports are allowed. */
function gitEnv(url: string, token: string | undefined): NodeJS.ProcessEnv {
  const config: [string, string][] = [
    ['protocol.allow', 'never'],
    ...['https', 'http', 'ssh', 'git', 'file'].map((p): [string, string] => [`protocol.${p}.allow`, 'always']),
    ['credential.helper', ''],
    ['core.hooksPath', '/dev/null'],
  ];
  if (token !== undefined && /^https?:\/\//i.test(url)) {
    // Scoped to the repository's origin so a redirect elsewhere never receives it.
    const origin = new URL(url).origin + '/';
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
    config.push([`http.${origin}.extraHeader`, `Authorization: Basic ${basic}`]);
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/nonexistent',
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    SSH_ASKPASS: '/bin/false',
    GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
    GIT_CONFIG_COUNT: String(config.length),
  };
  config.forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = k;
    env[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  return env;
}

function git(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { env, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024, killSignal: 'SIGKILL' }, (err, _stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr: String(stderr) }));
      else resolve();
    });
  });
}

/** git's stderr with any trace of the token removed. */
function scrub(text: string, token: string | undefined): string {
  if (!token) return text;
  for (const secret of [token, Buffer.from(`x-access-token:${token}`).toString('base64')]) text = text.split(secret).join('***');
  return text;
}

/** The failure as a GitFailure: git's first fatal line (else its last line) as the reason. */
function failure(stage: GitStage, url: string, err: unknown, token: string | undefined): GitFailure {
  const e = err as { stderr?: string; killed?: boolean; code?: unknown; message?: string };
  if (e.killed) return new GitFailure(stage, url, 'timed out', '');
  if (e.code === 'ENOENT') return new GitFailure(stage, url, 'git is not installed on the server', '');
  const stderr = scrub(e.stderr ?? '', token);
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('Cloning into'));
  const reason = lines.find((l) => l.startsWith('fatal:')) ?? lines.pop() ?? 'git failed';
  return new GitFailure(stage, url, reason, stderr);
}

/**
 * Checks at session creation, without cloning, that the repository answers (`git ls-remote`, with
 * the token as a clone would send it) and has the requested branch; 400 naming the field if not.
 * A commit checkout is only verified when the repository is cloned (a remote lists refs, not commits).
 */
export async function checkRepositoryReachable(req: Omit<CloneRequest, 'dest'> & { field: string }): Promise<void> {
  const env = gitEnv(req.url, req.token);
  const timeout = req.timeoutMs ?? LS_REMOTE_TIMEOUT_MS;
  const checkout = req.checkout ?? undefined;
  // --exit-code only for a branch: an empty repository (no HEAD yet) clones, so it passes too.
  const refs = checkout?.type === 'branch' ? ['--exit-code', '--', req.url, `refs/heads/${checkout.name}`] : ['--', req.url, 'HEAD'];
  try {
    await git(['ls-remote', '--quiet', ...refs], env, timeout);
  } catch (err) {
    if ((err as { code?: unknown }).code === 2 && checkout?.type === 'branch') {
      throw invalidRequest(`${req.field}.checkout.name: branch ${checkout.name} not found in ${req.url}`);
    }
    throw invalidRequest(`${req.field}.url: ${failure('clone', req.url, err, req.token).message}`);
  }
}

/** Clones `url` into `dest` and checks out the requested branch or commit; a GitFailure if git fails. */
export async function cloneRepository(req: CloneRequest): Promise<void> {
  const env = gitEnv(req.url, req.token);
  const timeout = req.timeoutMs ?? CLONE_TIMEOUT_MS;
  const checkout = req.checkout ?? undefined;
  // --no-hardlinks: a local source repository must not share inodes with a tree the agent can write.
  const clone = ['clone', '--quiet', '--no-hardlinks'];
  if (checkout?.type === 'branch') clone.push(`--branch=${checkout.name}`);
  if (checkout?.type === 'commit') clone.push('--no-checkout');
  try {
    await git([...clone, '--', req.url, req.dest], env, timeout);
  } catch (err) {
    throw failure('clone', req.url, err, req.token);
  }
  if (checkout?.type !== 'commit') return;
  const inRepo = (...args: string[]) => git(['-C', req.dest, ...args], env, timeout);
  try {
    await inRepo('checkout', '--quiet', '--detach', checkout.sha);
  } catch {
    // Not reachable from the cloned refs: ask the remote for that commit alone.
    try {
      await inRepo('fetch', '--quiet', 'origin', checkout.sha);
      await inRepo('checkout', '--quiet', '--detach', 'FETCH_HEAD');
    } catch (err) {
      const f = failure('checkout', req.url, err, req.token);
      throw new GitFailure('checkout', req.url, `commit ${checkout.sha} not found (${f.reason})`, '');
    }
  }
}
