// What the agent names (a pattern, and the files it made) must not stop the server: a glob whose regular expression
// backtracks for minutes on a name of the agent's choosing runs off the server's thread, which keeps serving, and it
// ends when the call is aborted.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfinedFileTools } from '../../src/sandbox/confined/confined-file-tools.js';
import { GrewPastCap, readFd } from '../../src/sandbox/confined/read-tool.js';
import { WS, tmpDir } from './confined/tree.js';

describe('confined file tools: costly patterns', () => {
  let base: string;
  let tools: ConfinedFileTools;
  beforeAll(() => {
    base = tmpDir();
    fs.writeFileSync(path.join(base, 'a'.repeat(200)), 'x');
    fs.writeFileSync(path.join(base, 'b.txt'), 'x');
    // One 200 MiB line between short ones, with every line end readline knows (LF, CRLF, a lone CR); written a MiB
    // at a time, so that this test itself holds nothing of that size.
    const fd = fs.openSync(path.join(base, 'long.log'), 'w');
    fs.writeSync(fd, 'first needle\r\n');
    const mib = Buffer.alloc(1024 * 1024, 'n');
    for (let i = 0; i < 200; i++) fs.writeSync(fd, mib);
    fs.writeSync(fd, ' needle\nthird\rfourth needle\n');
    fs.closeSync(fd);
    tools = new ConfinedFileTools({ workdir: WS, roots: [{ sandboxPath: WS, hostPath: base, readOnly: false }] });
  });
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it('grep skips a huge line without holding it and numbers the lines after it as readline would', async () => {
    const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const before = used();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, used())), 2);
    const outcome = await tools.run('grep', { pattern: 'needle', path: 'long.log' }, new AbortController().signal);
    clearInterval(sampler);
    expect(outcome).toEqual({ isError: false, content: [{ type: 'text', text: `${WS}/long.log:1:first needle\n${WS}/long.log:4:fourth needle` }] });
    // Reads of the line are let go as they come (readline held the whole line: 200 MiB and more).
    expect(peak - before).toBeLessThan(100 * 1024 * 1024);
  });

  it('read and edit read at most the cap whatever size the file has by then (bash can swap in a sparse giant)', async () => {
    // The tools check the size they opened; what they then read is bounded by the cap, not by a second look.
    const giant = path.join(base, 'giant.bin');
    fs.closeSync(fs.openSync(giant, 'w'));
    fs.truncateSync(giant, 1024 * 1024 * 1024);
    const fd = fs.openSync(giant, 'r');
    const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const before = used();
    try {
      await expect(readFd(fd, 1024)).rejects.toBeInstanceOf(GrewPastCap);
    } finally {
      fs.closeSync(fd);
    }
    expect(used() - before).toBeLessThan(64 * 1024 * 1024);
    const small = fs.openSync(path.join(base, 'b.txt'), 'r');
    try {
      expect(await readFd(small, 1)).toBe('x');
    } finally {
      fs.closeSync(small);
    }
    // Sized for what stat saw (here: nothing, then a file that grew to 5,000 bytes): it grows up to the cap, never past.
    const grown = path.join(base, 'grown.bin');
    fs.writeFileSync(grown, 'y'.repeat(5000));
    for (const [size, limit] of [[0, 8192], [1, 5000], [4999, 5000], [5000, 5000]] as const) {
      const fd = fs.openSync(grown, 'r');
      try {
        expect(await readFd(fd, limit, size)).toBe('y'.repeat(5000));
      } finally {
        fs.closeSync(fd);
      }
    }
    const over = fs.openSync(grown, 'r');
    try {
      await expect(readFd(over, 4999, 0)).rejects.toBeInstanceOf(GrewPastCap);
    } finally {
      fs.closeSync(over);
      fs.rmSync(grown);
    }
  });

  it('a path longer than PATH_MAX is refused before it is walked; a scan for a line of a sparse giant stops when aborted', async () => {
    const started = performance.now();
    const long = await tools.run('read', { file_path: 'a/'.repeat(30_000) }, new AbortController().signal);
    expect(long.isError).toBe(true);
    expect(JSON.stringify(long)).toMatch(/too long/i);
    expect(performance.now() - started).toBeLessThan(1000); // walked component by component it took seconds
    const sparse = path.join(base, 'sparse.bin');
    fs.closeSync(fs.openSync(sparse, 'w'));
    fs.truncateSync(sparse, 10 * 1024 * 1024 * 1024);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 200);
    const scanStarted = performance.now();
    const scan = await tools.run('read', { file_path: 'sparse.bin', view_range: [2, 3] }, abort.signal);
    expect(scan.isError).toBe(true);
    expect(JSON.stringify(scan)).toContain('read: aborted');
    expect(performance.now() - scanStarted).toBeLessThan(5000);
  });

  it('a backtracking glob leaves the event loop free and stops when aborted', async () => {
    // picomatch's regex for this pattern takes longer than this test's whole budget on a 200-character name.
    const abort = new AbortController();
    const started = performance.now();
    const call = tools.run('glob', { pattern: '*a*a*a*a*a*a*a*a*a*b*' }, abort.signal);
    // The server's own timers keep their time while the pattern is being matched.
    const lags: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      await new Promise((r) => setTimeout(r, 20));
      lags.push(performance.now() - t - 20);
    }
    abort.abort();
    const outcome = await call;
    expect(Math.max(...lags)).toBeLessThan(150);
    expect(outcome.isError).toBe(true);
    expect(JSON.stringify(outcome)).toContain('glob: aborted');
    expect(performance.now() - started).toBeLessThan(10_000);
    // Ordinary patterns still match (on the worker), and the slot the aborted call held is free again.
    expect(await tools.run('glob', { pattern: '*.txt' }, new AbortController().signal)).toEqual({ isError: false, content: [{ type: 'text', text: `${WS}/b.txt` }] });
  });

  it('a directory of 150,000 entries the agent made is listed, matched and searched while the server keeps its time', async () => {
    // Read and sorted on the event loop, such a directory held it ~0.9 s per glob or grep call (1.8 s at 300,000).
    const big = path.join(base, 'big');
    fs.mkdirSync(big);
    for (let i = 0; i < 150_000; i++) fs.closeSync(fs.openSync(path.join(big, `f${String(i).padStart(6, '0')}.txt`), 'w'));
    fs.writeFileSync(path.join(big, 'f149999.txt'), 'x\n');
    fs.writeFileSync(path.join(big, 'f000007.txt'), 'a needle\n'); // grep walks the first 50,000 entries, as the SDK's
    const lagDuring = async (run: () => Promise<unknown>) => {
      let maxLag = 0;
      let last = performance.now();
      const sampler = setInterval(() => {
        const now = performance.now();
        maxLag = Math.max(maxLag, now - last - 5);
        last = now;
      }, 5);
      try {
        return { outcome: await run(), maxLag };
      } finally {
        clearInterval(sampler);
        maxLag = Math.max(maxLag, performance.now() - last - 5);
      }
    };
    const globbed = await lagDuring(() => tools.run('glob', { pattern: 'big/*9999.txt' }, new AbortController().signal));
    const text = (globbed.outcome as { content: Array<{ text: string }> }).content[0]!.text.split('\n');
    expect(text).toHaveLength(15);
    expect(text[0]).toBe(`${WS}/big/f149999.txt`); // newest first
    expect(globbed.maxLag).toBeLessThan(400);
    const grepped = await lagDuring(() => tools.run('grep', { pattern: 'needle', path: 'big' }, new AbortController().signal));
    expect(grepped.outcome).toEqual({ isError: false, content: [{ type: 'text', text: `${WS}/big/f000007.txt:1:a needle` }] });
    expect(grepped.maxLag).toBeLessThan(400);
  });
});
