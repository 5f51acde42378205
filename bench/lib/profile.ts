// Summarises `node --cpu-prof` profiles: self time by function and by code area (agentd module,
// npm package, Node internals), enough to see what a missed target is spending its time on.
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  top: Array<{ fn: string; where: string; selfMs: number; selfPct: number }>;
  areas: Array<{ area: string; selfMs: number; selfPct: number }>;
  /**
   * Self time charged to the nearest caller that is agentd or an npm package (Node internals and
   * native calls such as writev or SQLite are charged to whoever called them; async roots stay as is).
   */
  owners: Array<{ owner: string; selfMs: number; selfPct: number }>;
  /** Inclusive (self + callees) time of agentd's own functions: where the time goes, top-down. */
  agentdInclusive: Array<{ fn: string; where: string; totalMs: number; totalPct: number }>;
}

/** Which part of the system a script URL belongs to (`line`: the frame's, 0-based, for the bundle's frames). */
export function areaOf(url: string, line = 0): string {
  if (!url) return '(native / idle / gc)';
  if (url.startsWith('node:')) return 'node internals';
  const bundled = bundleModuleOf(url, line);
  if (bundled !== undefined) return bundled.startsWith('node_modules/') ? `npm ${packageOf(bundled.slice('node_modules/'.length))}` : `agentd ${bundled.split('/').slice(0, 3).join('/').replace(/\.ts$/, '')}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return `npm ${packageOf(url.slice(nm + '/node_modules/'.length))}`;
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return `agentd ${url.slice(dist + '/dist/'.length).split('/').slice(0, 3).join('/')}`;
  return url;
}

/** `@scope/name` or `name` from a path below node_modules. */
function packageOf(rest: string): string {
  const parts = rest.split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/**
 * The server runs from one esbuild bundle (dist/bundle/main.cjs), where every frame has the same URL: esbuild heads each
 * module's code with a comment naming its source (`// src/http/app.ts`, `// node_modules/zod/...`), so a frame's line
 * says which module it is in. Undefined for any other URL; `(esbuild helpers)` before the first module.
 */
const bundleModules = new Map<string, string[]>();
function bundleModuleOf(url: string, line: number): string | undefined {
  if (!url.endsWith('/dist/bundle/main.cjs')) return undefined;
  let modules = bundleModules.get(url);
  if (!modules) {
    modules = [];
    let current = '(esbuild helpers)';
    const file = url.replace(/^file:\/\//, '');
    const lines = fs.existsSync(file) ? fs.readFileSync(file, 'latin1').split('\n') : [];
    for (const text of lines) {
      const m = /^\/\/ ((?:node_modules|src|cli)\/\S+)$/.exec(text);
      if (m) current = m[1]!;
      modules.push(current);
    }
    bundleModules.set(url, modules);
  }
  return modules[line] ?? '(esbuild helpers)';
}

/** A frame of agentd's own code: its module and line, for the inclusive listing (undefined: not agentd's). */
function agentdFrame(url: string, line: number): string | undefined {
  const bundled = bundleModuleOf(url, line);
  if (bundled !== undefined) return bundled.startsWith('src/') || bundled.startsWith('cli/') ? `${bundled} (bundle line ${line + 1})` : undefined;
  return url.includes('/dist/src/') ? `${url.slice(url.indexOf('/dist/') + 1)}:${line + 1}` : undefined;
}

/**
 * A stretch of a profile by the profiler's clock (CLOCK_MONOTONIC, µs: `process.hrtime.bigint() / 1000n` in any
 * process of the machine), e.g. a benchmark's measuring window without the start and warm-up around it.
 */
export interface ProfileWindow {
  startUs: number;
  endUs: number;
}

export function summarizeProfile(file: string, window?: ProfileWindow): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.startUs || at > window.endUs)) continue;
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const fns = new Map<string, { fn: string; where: string; selfUs: number }>();
  const areas = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') continue;
    total += us;
    const where = url ? `${url.replace(/^file:\/\//, '').replace(process.cwd() + '/', '')}:${lineNumber + 1}` : '';
    const key = `${functionName}@${where}`;
    const entry = fns.get(key) ?? { fn: functionName || '(anonymous)', where, selfUs: 0 };
    entry.selfUs += us;
    fns.set(key, entry);
    const area = functionName === '(garbage collector)' ? 'garbage collector' : areaOf(url, lineNumber);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const pct = (us: number) => (total ? (100 * us) / total : 0);
  // Inclusive time per agentd function: each sample counts once per distinct function on its stack.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const owners = new Map<string, number>();
  for (const [id, us] of self) {
    const leaf = byId.get(id)!.callFrame;
    if (leaf.functionName === '(idle)' || leaf.functionName === '(program)') continue;
    let owner = leaf.functionName === '(garbage collector)' ? 'garbage collector' : '(async / event loop: node internals)';
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const { url, lineNumber } = byId.get(cur)!.callFrame;
      if (url.includes('/node_modules/') || url.includes('/dist/')) {
        owner = areaOf(url, lineNumber);
        if (owner === 'agentd (esbuild helpers)') continue;
        break;
      }
    }
    owners.set(owner, (owners.get(owner) ?? 0) + us);
  }
  const inclusive = new Map<string, { fn: string; where: string; us: number }>();
  for (const [id, us] of self) {
    const leaf = byId.get(id)!.callFrame.functionName;
    if (leaf === '(idle)' || leaf === '(program)') continue;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const { functionName, url, lineNumber } = byId.get(cur)!.callFrame;
      const where = agentdFrame(url, lineNumber);
      if (where === undefined) continue;
      const key = `${functionName}@${where}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const e = inclusive.get(key) ?? { fn: functionName || '(anonymous)', where, us: 0 };
      e.us += us;
      inclusive.set(key, e);
    }
  }
  return {
    file: path.relative(process.cwd(), file),
    totalMs: total / 1000,
    top: [...fns.values()]
      .sort((a, b) => b.selfUs - a.selfUs)
      .slice(0, 40)
      .map((f) => ({ fn: f.fn, where: f.where, selfMs: f.selfUs / 1000, selfPct: pct(f.selfUs) })),
    areas: [...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([area, us]) => ({ area, selfMs: us / 1000, selfPct: pct(us) })),
    owners: [...owners.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([owner, us]) => ({ owner, selfMs: us / 1000, selfPct: pct(us) })),
    agentdInclusive: [...inclusive.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, 40)
      .map((e) => ({ fn: e.fn, where: e.where, totalMs: e.us / 1000, totalPct: pct(e.us) })),
  };
}

export function summarizeProfiles(dir: string): ProfileSummary[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => summarizeProfile(path.join(dir, f)));
}

// `npx tsx bench/lib/profile.ts [--window <start µs> <end µs>] <file.cpuprofile>...` prints the summary of each
// (with --window, of that stretch only: bench/replica-failover.ts prints its measuring window when it profiles).
if (process.argv[1] && import.meta.url === `file://${path.resolve(process.argv[1])}`) {
  const args = process.argv.slice(2);
  const window = args[0] === '--window' ? { startUs: Number(args[1]), endUs: Number(args[2]) } : undefined;
  for (const file of window ? args.slice(3) : args) {
    const s = summarizeProfile(file, window);
    console.log(`\n${s.file}: ${s.totalMs.toFixed(0)} ms of samples (idle excluded)`);
    console.log('by area:');
    for (const a of s.areas) console.log(`  ${a.selfPct.toFixed(1).padStart(5)}%  ${a.area}`);
    console.log('by owner (self time charged to the nearest agentd / npm caller):');
    for (const o of s.owners) console.log(`  ${o.selfPct.toFixed(1).padStart(5)}%  ${o.owner}`);
    console.log('by function (self):');
    for (const f of s.top.slice(0, 25)) console.log(`  ${f.selfPct.toFixed(1).padStart(5)}%  ${f.fn}  ${f.where}`);
    console.log('agentd functions (inclusive):');
    for (const f of s.agentdInclusive.slice(0, 30)) console.log(`  ${f.totalPct.toFixed(1).padStart(5)}%  ${f.fn}  ${f.where}`);
  }
}
