// Networking per environment, from inside real sandboxes. Neither mode reaches the host: not its
// loopback services (PostgreSQL, agentd's own API, the fake model upstream, any other server),
// except, for `unrestricted` only, the ports the operator lists in AGENTD_SANDBOX_HOST_PORTS.
// `limited` reaches only allowed_hosts through the egress proxy, and a name that resolves to a
// blocked address is refused unless the operator exempted its network
// (AGENTD_SANDBOX_ALLOWED_NETWORKS). All traffic stays on 127.0.0.0/8: the other deny rules
// (link-local, private ranges, the host's interface addresses) are checked with `ip route get`,
// which sends nothing, here and on the policy itself in destination-policy.test.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { bash, runTools, toolSession } from '../helpers/sandbox.js';

interface Target {
  port: number;
  hits: number;
  close(): Promise<void>;
}

async function target(host: string, body: string): Promise<Target> {
  const t = { port: 0, hits: 0, close: async () => {} };
  const server = http.createServer((_req, res) => {
    t.hits++;
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  t.port = (server.address() as AddressInfo).port;
  t.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return t;
}

// `--noproxy ''` overrides NO_PROXY (which keeps the sandbox's own loopback off the proxy), so
// these requests for the host's loopback go through the proxy as any other host's would.
const viaProxy = (url: string, connect = false) =>
  bash(`curl -sS --noproxy '' ${connect ? '-p ' : ''}-m 20 -w ' status=%{http_code}' ${url}`);
const direct = (url: string) => bash(`curl -sS --noproxy '*' -m 5 -w ' status=%{http_code}' ${url}`);
/** A raw TCP connect (PostgreSQL speaks no HTTP): prints OPEN or CLOSED. */
const tcp = (host: string, port: number) =>
  bash(`timeout 5 bash -c 'exec 3<>/dev/tcp/${host}/${port}' 2>/dev/null && echo OPEN || echo CLOSED`);
const portOf = (url: string) => Number(new URL(url).port);
const POSTGRES_PORT = 5432;
const pgUp = !!process.env.AGENTD_TEST_DATABASE_URL;

describe('sandbox networking', { timeout: 240_000 }, () => {
  // listed: in AGENTD_SANDBOX_HOST_PORTS. mirror: on an operator-exempted network. other: neither.
  const targets: Record<'listed' | 'mirror' | 'other', Target> = {} as never;
  // Before the server starts: its settings name these ports.
  beforeAll(async () => {
    targets.listed = await target('127.0.0.1', 'hello from a listed host port');
    targets.mirror = await target('127.0.0.3', 'hello from the mirror');
    // All of 127.0.0.0/8 is loopback on Linux: other "hosts" on the same machine.
    targets.other = await target('127.0.0.2', 'hello from a server nobody allowed');
  }, 30_000);
  const fake = useFakeAnthropic();
  const t = useServer('sqlite', () => ({
    model: fake,
    env: { AGENTD_SANDBOX_HOST_PORTS: String(targets.listed.port), AGENTD_SANDBOX_ALLOWED_NETWORKS: '127.0.0.3/32' },
  }));

  afterAll(async () => {
    for (const x of Object.values(targets)) await x?.close();
  });

  it('limited: allowed hosts pass the proxy; the host loopback does not, even when allowed or listed', async () => {
    const allowed_hosts = ['127.0.0.1', '127.0.0.3', 'localhost'];
    const session = await toolSession(t.client, { type: 'cloud', networking: { type: 'limited', allowed_hosts } });
    const mirror = `http://127.0.0.3:${targets.mirror.port}/`;
    const listed = `http://127.0.0.1:${targets.listed.port}/`;
    const api = portOf(t.url);
    const [env, forward, tunnel, hostPort, apiPort, apiByName, pg, notAllowed, noProxy] = await runTools(t, fake, session.id, [
      bash('env | grep -i _proxy | sort'),
      viaProxy(mirror),
      viaProxy(mirror, true),
      viaProxy(listed),
      viaProxy(`http://127.0.0.1:${api}/health`),
      viaProxy(`http://localhost:${api}/health`, true),
      viaProxy(`http://localhost:${POSTGRES_PORT}/`, true),
      viaProxy(`http://127.0.0.2:${targets.other.port}/`),
      direct(listed), // no proxy: the namespace has nothing but its own loopback
    ]);
    expect(env!.text).toContain(`HTTPS_PROXY=http://127.0.0.1:3128`);
    expect(forward).toEqual({ isError: false, text: 'hello from the mirror status=200' });
    expect(tunnel).toEqual({ isError: false, text: 'hello from the mirror status=200' });
    expect(hostPort!.text).toContain('the host loopback');
    expect(hostPort!.text).toContain('status=403');
    expect(apiPort!.text).toContain('status=403');
    expect(apiByName!.text).toContain('403');
    expect(apiByName!.text).not.toContain('"ok"');
    expect(pg!.text).toContain('403');
    expect(notAllowed!.text).toContain('not allowed');
    expect(notAllowed!.text).toContain('status=403');
    expect(noProxy!.isError).toBe(true);
    expect(targets.mirror.hits).toBe(2);
    expect(targets.listed.hits).toBe(0);
    expect(targets.other.hits).toBe(0);
  });

  it('unrestricted: own network namespace; only the listed host port of the host is reachable', async () => {
    const session = await toolSession(t.client, { type: 'cloud', networking: { type: 'unrestricted' } });
    const api = portOf(t.url);
    const upstream = portOf(fake.url);
    const eth = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    const blocked = ['169.254.169.254', '10.1.2.3', '172.16.0.1', '192.168.1.1', '100.64.0.1', '10.0.2.2', ...(eth ? [eth] : [])];
    const [env, listed, mirror, other, apiLoop, apiGw, upstreamLoop, upstreamGw, pgLoop, pgGw, routes] = await runTools(t, fake, session.id, [
      bash('env | grep -ic _proxy || true'),
      direct(`http://127.0.0.1:${targets.listed.port}/`),
      direct(`http://127.0.0.3:${targets.mirror.port}/`),
      direct(`http://127.0.0.2:${targets.other.port}/`),
      direct(`http://127.0.0.1:${api}/health`),
      direct(`http://10.0.2.2:${api}/health`), // slirp4netns's gateway is the host's loopback
      direct(`http://127.0.0.1:${upstream}/v1/models`),
      direct(`http://10.0.2.2:${upstream}/v1/models`),
      tcp('127.0.0.1', POSTGRES_PORT),
      tcp('10.0.2.2', POSTGRES_PORT),
      // Route lookups only: nothing is sent to these addresses.
      bash(blocked.map((a) => `ip -4 route get ${a} 2>&1 | head -n1`).join('; ')),
    ]);
    expect(env!.text.trim()).toBe('0');
    expect(listed).toEqual({ isError: false, text: 'hello from a listed host port status=200' });
    for (const r of [mirror, other, apiLoop, apiGw, upstreamLoop, upstreamGw]) {
      expect(r!.isError).toBe(true);
      expect(r!.text).not.toContain('hello');
    }
    expect(pgLoop!.text.trim()).toBe('CLOSED');
    expect(pgGw!.text.trim()).toBe('CLOSED');
    const lines = routes!.text.trim().split('\n');
    expect(lines).toHaveLength(blocked.length);
    for (const line of lines) expect(line).toMatch(/prohibit|Permission denied|unreachable/i);
    expect(targets.listed.hits).toBe(1);
    expect(targets.mirror.hits).toBe(2); // only the limited session's two requests
    expect(targets.other.hits).toBe(0);
  });

  it.runIf(pgUp)('the PostgreSQL the sandboxes could not reach is up on the host', async () => {
    const net = await import('node:net');
    await new Promise<void>((resolve, reject) => net.connect(POSTGRES_PORT, '127.0.0.1').once('connect', function (this: import('node:net').Socket) {
      this.destroy();
      resolve();
    }).once('error', reject));
  });
});
