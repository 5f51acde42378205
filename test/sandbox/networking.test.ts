// Networking per environment: `limited` sandboxes have no network of their own and reach the
// outside only through the egress proxy, which admits allowed_hosts (by host name, any port) and
// refuses the rest; `unrestricted` sandboxes share the host's network.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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

describe('sandbox networking', { timeout: 180_000 }, () => {
  let allowed: Target;
  let other: Target;
  const fake = useFakeAnthropic();
  const t = useServer('sqlite', () => ({ model: fake }));

  beforeAll(async () => {
    allowed = await target('127.0.0.1', 'hello from the allowed host');
    // All of 127.0.0.0/8 is loopback on Linux: a second "host" on the same machine.
    other = await target('127.0.0.2', 'hello from a host that is not allowed');
  });
  afterAll(async () => {
    await allowed?.close();
    await other?.close();
  });

  it('limited: allowed hosts pass the proxy, every other host is refused', async () => {
    const session = await toolSession(t.client, { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['127.0.0.1'] } });
    const A = `http://127.0.0.1:${allowed.port}/`;
    const B = `http://127.0.0.2:${other.port}/`;
    const [env, forward, tunnel, denied, deniedTunnel, byOtherName, direct] = await runTools(t, fake, session.id, [
      bash('env | grep -i _proxy | sort'),
      viaProxy(A),
      viaProxy(A, true),
      viaProxy(B),
      viaProxy(B, true),
      viaProxy(`http://localhost:${allowed.port}/`), // same server, but "localhost" is not listed
      bash(`curl -sS --noproxy '*' -m 5 ${A}`), // no proxy: the sandbox has no route to the host
    ]);
    expect(env!.text).toContain(`HTTPS_PROXY=http://127.0.0.1:3128`);
    expect(forward).toEqual({ isError: false, text: 'hello from the allowed host status=200' });
    expect(tunnel).toEqual({ isError: false, text: 'hello from the allowed host status=200' });
    expect(denied!.text).toContain('not allowed');
    expect(denied!.text).toContain('status=403');
    expect(deniedTunnel!.isError).toBe(true);
    expect(deniedTunnel!.text).toContain('403');
    expect(byOtherName!.text).toContain('status=403');
    expect(direct!.isError).toBe(true);
    expect(direct!.text).not.toContain('hello');
    expect(other.hits).toBe(0);
    expect(allowed.hits).toBe(2);
  });

  it('limited with no allowed hosts: nothing gets out', async () => {
    const session = await toolSession(t.client, { type: 'cloud', networking: { type: 'limited' } });
    const before = allowed.hits;
    const [r] = await runTools(t, fake, session.id, [viaProxy(`http://127.0.0.1:${allowed.port}/`)]);
    expect(r!.text).toContain('status=403');
    expect(allowed.hits).toBe(before);
  });

  it('unrestricted: the sandbox shares the host network', async () => {
    const session = await toolSession(t.client, { type: 'cloud', networking: { type: 'unrestricted' } });
    const [env, r] = await runTools(t, fake, session.id, [
      bash('env | grep -ic _proxy || true'),
      bash(`curl -sS -m 20 -w ' status=%{http_code}' http://127.0.0.1:${allowed.port}/`),
    ]);
    expect(env!.text.trim()).toBe('0');
    expect(r).toEqual({ isError: false, text: 'hello from the allowed host status=200' });
  });
});
