// `npx tsx bench/gateway-cpu.ts [--calls 2000] [--streams 300] [--dialect sqlite|postgres] [--cpu-prof] [--dist <dir>]
// [--chunk-delay <ms>]` (after
// `npm run build`; not part of `npm run bench`, ~30 s): agentd's own CPU time per gateway call, read from /proc,
// for non-streamed and streamed (40 deltas, no delay) `/v1/messages` calls sent one at a time through a real
// `agentd serve` to the fake upstream in this process. CPU time moves far less with the machine's load than the
// wall-time figures of item 7, so this is the figure to compare builds by on a shared machine (`--dist` runs
// another build's dist/ directory, e.g. one of main).
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_API_KEY, setAgentdBin, startAgentd } from './lib/agentd.js';
import { startFakeAnthropic } from '../test/helpers/fake-anthropic/index.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    streams: { type: 'string', default: '300' },
    dialect: { type: 'string', default: 'sqlite' },
    'database-url': { type: 'string', default: process.env.AGENTD_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    'cpu-prof': { type: 'boolean', default: false },
    dist: { type: 'string' },
    /** Between the fake's stream events: 0 sends a reply's frames together, ≥ 1 ms makes each its own read. */
    'chunk-delay': { type: 'string', default: '0' },
  },
});
const calls = Number(values.calls);
const streams = Number(values.streams);
const dialect = values.dialect === 'postgres' ? 'postgres' : 'sqlite';
const TEXT = Array.from({ length: 40 }, (_, i) => `tok${i} `).join('');

const agent = new http.Agent({ keepAlive: true });
function post(url: string, stream: boolean): Promise<void> {
  const body = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 256, stream, messages: [{ role: 'user', content: 'bench' }] });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/v1/messages`,
      {
        method: 'POST',
        agent,
        headers: { 'x-api-key': BENCH_API_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
        res.resume();
        res.on('end', resolve);
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

if (values.dist) setAgentdBin(path.resolve(values.dist, 'cli/main.js'));
const fake = await startFakeAnthropic({ recordRequests: false, validate: false, keepAliveTimeoutMs: 120_000 });
fake.setResponder((req) =>
  req.body.stream === true
    ? { content: [{ type: 'text', text: TEXT }], usage: { input_tokens: 10, output_tokens: 40 }, chunkDelayMs: Number(values['chunk-delay']) }
    : { content: [{ type: 'text', text: 'ok' }], usage: { input_tokens: 10, output_tokens: 1 } },
);
const server = await startAgentd({
  dialect,
  postgresUrl: values['database-url'],
  modelUrl: fake.url,
  label: `gateway-cpu-${dialect}`,
  cpuProfDir: values['cpu-prof'] ? path.resolve('bench/results/prof') : undefined,
});
try {
  for (let i = 0; i < 200; i++) await post(server.url, i % 2 === 0);
  const load = async () => (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim();
  const cpu0 = server.cpuMs();
  for (let i = 0; i < calls; i++) await post(server.url, false);
  const cpu1 = server.cpuMs();
  for (let i = 0; i < streams; i++) await post(server.url, true);
  const cpu2 = server.cpuMs();
  console.log(
    `${dialect}: agentd CPU per non-streamed call ${((cpu1 - cpu0) / calls).toFixed(2)} ms (${calls} calls), ` +
      `per streamed call ${((cpu2 - cpu1) / streams).toFixed(2)} ms (${streams} streams of 40 deltas, ${values['chunk-delay']} ms apart); load average ${await load()}`,
  );
} finally {
  await server.stop();
  await fake.close();
}
