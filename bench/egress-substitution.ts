// `npx tsx bench/egress-substitution.ts`: what substituting environment-variable credentials costs
// at the egress proxy, in process (no server, no sandbox): minting the egress CA and a host
// certificate, and one HTTPS request per connection (as curl makes them) through the proxy's Unix
// socket to a loopback HTTPS server: an opaque CONNECT tunnel (no credential for the host) against
// an intercepted one (TLS terminated at the proxy, header substituted, new TLS upstream), and a
// 1 MiB POST with and without body substitution. The credential lookup is in memory here; the
// server reads the store for it (one indexed query plus an AES-GCM open per request).
// Prints one table; see docs/benchmarks.md.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import pino from 'pino';
import type { EnvCredential } from '../src/domain/env-credentials.js';
import { destinationRules } from '../src/sandbox/bubblewrap/bubblewrap-provider.js';
import { EgressCa, systemRoots } from '../src/sandbox/egress/egress-ca.js';
import { policyFromPatterns } from '../src/sandbox/egress/egress-policy.js';
import { EgressProxy } from '../src/sandbox/egress/egress-proxy.js';
import { startUpstream } from '../test/helpers/tls-upstream.js';

const RUNS = Number(process.env.RUNS ?? 200);
const HOST = '127.0.0.2';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-bench-egress-'));
let t0 = performance.now();
const ca = EgressCa.loadOrCreate(path.join(dir, 'ca'));
const caCreateMs = performance.now() - t0;
t0 = performance.now();
EgressCa.loadOrCreate(path.join(dir, 'ca'));
const caLoadMs = performance.now() - t0;
const mints: number[] = [];
for (let i = 0; i < 20; i++) {
  t0 = performance.now();
  ca.contextFor(`host${i}.example.com`);
  mints.push(performance.now() - t0);
}

const upstream = await startUpstream([HOST]);
const port = upstream.ports[HOST]!.https;
const upstreamCa = fs.readFileSync(upstream.caFile, 'utf8');
const proxy = new EgressProxy(dir, pino({ level: 'silent' }), destinationRules([`${HOST}/32`]), {
  ca: () => ca,
  upstreamCa: [systemRoots(), upstreamCa],
});
const policy = policyFromPatterns([HOST]);
const credential = (body: boolean): EnvCredential => ({
  credentialId: 'vcrd_bench',
  name: 'API_TOKEN',
  placeholder: 'agentd_placeholder_0123456789abcdef0123456789abcdef01234567',
  hosts: [HOST],
  header: true,
  body,
  value: 'sk-bench-secret-value-0123456789',
});
const tunnel = await proxy.open('tunnel', policy);
const header = await proxy.open('header', policy, async () => [credential(false)]);
const body = await proxy.open('body', policy, async () => [credential(true)]);

/** One request on a fresh CONNECT + TLS connection, as curl makes it; resolves when the answer is read. */
function request(socketPath: string, payload?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const connect = http.request({ socketPath, method: 'CONNECT', path: `${HOST}:${port}` });
    connect.on('connect', (res, socket) => {
      if (res.statusCode !== 200) return reject(new Error(`CONNECT answered ${res.statusCode}`));
      const secure = tls.connect({ socket, ca: [upstreamCa, ca.certPem], checkServerIdentity: () => undefined });
      secure.on('error', reject);
      const head = payload
        ? `POST /bench HTTP/1.1\r\nHost: ${HOST}\r\nAuthorization: Bearer ${credential(false).placeholder}\r\nContent-Length: ${payload.length}\r\nConnection: close\r\n\r\n`
        : `GET /bench HTTP/1.1\r\nHost: ${HOST}\r\nAuthorization: Bearer ${credential(false).placeholder}\r\nConnection: close\r\n\r\n`;
      secure.write(head);
      if (payload) secure.write(payload);
      let answer = '';
      secure.on('data', (d: Buffer) => (answer += d.toString()));
      secure.on('end', () => (answer.startsWith('HTTP/1.1 200') ? resolve() : reject(new Error(answer.slice(0, 200)))));
    });
    connect.on('error', reject);
    connect.end();
  });
}

async function time(socketPath: string, payload?: Buffer): Promise<number[]> {
  for (let i = 0; i < 5; i++) await request(socketPath, payload); // warm-up (and the host certificate)
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    await request(socketPath, payload);
    out.push(performance.now() - s);
  }
  return out;
}

const mib = Buffer.alloc(1024 * 1024, 'a');
mib.write(credential(true).placeholder, 512 * 1024);
const rows: Array<[string, number[]]> = [
  ['GET, opaque tunnel (no credential for the host)', await time(tunnel.socketPath)],
  ['GET, intercepted, header substituted', await time(header.socketPath)],
  ['1 MiB POST, intercepted, header only', await time(header.socketPath, mib)],
  ['1 MiB POST, intercepted, body substituted', await time(body.socketPath, mib)],
];
upstream.seen.length = 0;
await proxy.close();
await upstream.close();
fs.rmSync(dir, { recursive: true, force: true });

console.log(`egress CA: create ${caCreateMs.toFixed(0)} ms, load ${caLoadMs.toFixed(0)} ms; host certificate: median ${median(mints).toFixed(0)} ms, max ${Math.max(...mints).toFixed(0)} ms (20 mints)`);
console.log(`| request (${RUNS} runs, one per connection) | median | p95 |`);
console.log('|---|---:|---:|');
for (const [name, xs] of rows) console.log(`| ${name} | ${median(xs).toFixed(1)} ms | ${p95(xs).toFixed(1)} ms |`);
console.log(`load average: ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')}`);
