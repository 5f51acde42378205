// Local git repositories for resource tests, and a loopback "dumb HTTP" git server that demands
// a GitHub-style token (Basic auth, user x-access-token), so tests can see the token being used.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const env = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};

/** Where test repositories are made: the one directory servers in these tests allow local repositories from. */
export const LOCAL_REPOS_ROOT = path.join(os.tmpdir(), 'agentd-git-repos');
/** Server environment that lets sessions name the test repositories by path. */
export const LOCAL_REPOS_ENV: Record<string, string> = { AGENTD_REPOSITORY_LOCAL_ROOTS: LOCAL_REPOS_ROOT };

export const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();

export interface TestRepo {
  /** The repository's directory (its name is the last component). */
  dir: string;
  /** `main`: README.md "v1" (firstSha), then "v2". `feature` (from firstSha): feature.txt. */
  firstSha: string;
  mainSha: string;
  featureSha: string;
  remove(): void;
}

export function createTestRepo(name = 'demo-repo'): TestRepo {
  fs.mkdirSync(LOCAL_REPOS_ROOT, { recursive: true });
  const parent = fs.mkdtempSync(path.join(LOCAL_REPOS_ROOT, 'repo-'));
  const dir = path.join(parent, name);
  fs.mkdirSync(dir);
  git(dir, 'init', '--quiet', '--initial-branch=main');
  fs.writeFileSync(path.join(dir, 'README.md'), 'v1\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '--quiet', '-m', 'first');
  const firstSha = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'checkout', '--quiet', '-b', 'feature');
  fs.writeFileSync(path.join(dir, 'feature.txt'), 'feature work\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '--quiet', '-m', 'feature');
  const featureSha = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'checkout', '--quiet', 'main');
  fs.writeFileSync(path.join(dir, 'README.md'), 'v2\n');
  git(dir, 'commit', '--quiet', '-am', 'second');
  const mainSha = git(dir, 'rev-parse', 'HEAD');
  return { dir, firstSha, mainSha, featureSha, remove: () => fs.rmSync(parent, { recursive: true, force: true }) };
}

export interface GitHttpServer {
  /** Clone URL of the repository (`http://127.0.0.1:<port>/<name>.git`). */
  url: string;
  /** Authorization headers received, in order. */
  authorizations: (string | undefined)[];
  /** When set, every request is answered with this status (a host refusing, losing or failing the repository). */
  failWith: number | undefined;
  close(): Promise<void>;
}

/** Serves a bare copy of `repo` over git's dumb HTTP protocol, only to requests carrying `token`. */
export async function serveRepoOverHttp(repo: TestRepo, token: string): Promise<GitHttpServer> {
  const name = path.basename(repo.dir);
  const bare = path.join(path.dirname(repo.dir), `${name}.git`);
  git(path.dirname(repo.dir), 'clone', '--quiet', '--bare', repo.dir, bare);
  git(bare, 'update-server-info');
  const expected = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
  const authorizations: (string | undefined)[] = [];
  const served: GitHttpServer = { url: '', authorizations, failWith: undefined, close: async () => {} };
  const server = http.createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    if (served.failWith !== undefined) {
      res.writeHead(served.failWith).end();
      return;
    }
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
      return;
    }
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(new RegExp(`^/${name}\\.git/?`), '');
    const file = path.join(bare, rel);
    if (!file.startsWith(bare) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  served.url = `http://127.0.0.1:${port}/${name}.git`;
  served.close = () => new Promise((resolve) => server.close(() => resolve()));
  return served;
}
