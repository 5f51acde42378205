// `read`, as the SDK's betaReadTool: the size cap, view_range, and for a file over the cap the
// streaming line-range read; the file is the fd opened by openRegularFile.
import fs from 'node:fs';
import { promisify } from 'node:util';
import { ToolError } from '@anthropic-ai/sdk/lib/tools/ToolError';
import { fsErrorMessage } from '@anthropic-ai/sdk/tools/agent-toolset/fs-util';
import { closeQuietly } from './anchored-fs.js';
import { withTarget, type ToolContext } from './context.js';
import { openRegularFile } from './regular-file.js';

const READ_STREAM_CHUNK_BYTES = 64 * 1024;
const NEWLINE = Buffer.from('\n');
const read = promisify(fs.read);

/** The file grew past the cap between its size check and its read (the agent's bash can swap it meanwhile). */
export class GrewPastCap extends Error {}

/**
 * The whole of the file at `fd`, as UTF-8, reading at most `limit` + 1 bytes whatever the file's size now: a file
 * checked at its size and then grown (or swapped for a sparse giant) must not make the server allocate its new size,
 * as fs.readFile, which takes the size from a second fstat, would. The buffer is sized for `size` (what the caller's
 * stat saw, plus the byte that shows growth) and grows, doubling, only up to `limit` + 1: a small file costs a small
 * buffer, not the cap.
 */
export async function readFd(fd: number, limit: number, size = limit): Promise<string> {
  let buffer = Buffer.allocUnsafe(Math.min(size, limit) + 1);
  let filled = 0;
  for (;;) {
    if (filled === buffer.length) {
      if (filled > limit) break;
      const bigger = Buffer.allocUnsafe(Math.min(buffer.length * 2, limit + 1));
      buffer.copy(bigger, 0, 0, filled);
      buffer = bigger;
    }
    const { bytesRead } = await read(fd, buffer, filled, buffer.length - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  if (filled > limit) throw new GrewPastCap();
  return buffer.toString('utf8', 0, filled);
}

export async function readTool(ctx: ToolContext, input: Record<string, unknown>, signal: AbortSignal): Promise<string> {
  const filePath = input.file_path as string;
  const viewRange = input.view_range as number[] | undefined;
  if (!filePath) throw new ToolError('read: file_path is required');
  return withTarget(ctx, filePath, async (target) => {
    if (viewRange?.length && viewRange.length !== 2) throw new ToolError('read: view_range must be [start_line, end_line]');
    let data: string;
    let opened: ReturnType<typeof openRegularFile>;
    try {
      opened = openRegularFile(target);
      if (!opened) throw new ToolError(`read: ${filePath} is not a regular file`);
    } catch (e) {
      if (e instanceof ToolError) throw e;
      throw new ToolError(`read: ${fsErrorMessage(e, filePath)}`);
    }
    const { fd, stat } = opened;
    try {
      const limit = ctx.maxFileBytes;
      if (stat.size > limit) {
        if (!viewRange?.length) {
          throw new ToolError(
            `read: ${filePath} is ${stat.size} bytes, exceeds ${limit}-byte limit. ` +
              'Use the view_range parameter to read specific line ranges, e.g. view_range: [1, 500].',
          );
        }
        const [startLine, endLine] = viewRange as [number, number];
        return await readRangeStreaming(fd, filePath, startLine, endLine, limit, signal);
      }
      data = await readFd(fd, limit, stat.size);
    } catch (e) {
      if (e instanceof ToolError) throw e;
      if (e instanceof GrewPastCap) throw new ToolError(`read: ${filePath} exceeds ${ctx.maxFileBytes}-byte limit (it grew while being read)`);
      throw new ToolError(`read: ${fsErrorMessage(e, filePath)}`);
    } finally {
      closeQuietly(fd);
    }
    if (!viewRange?.length) return data;
    const [startLine, endLine] = viewRange as [number, number];
    const lines = data.split('\n');
    const start = Math.max(0, startLine - 1);
    const end = endLine > 0 ? endLine : lines.length;
    return lines.slice(start, end).join('\n');
  });
}

/**
 * Lines `[startLine, endLine]` of the file at `fd` (which the caller closes), the selected bytes capped at `limit`.
 * Ends when `signal` aborts: finding line 2 of a sparse 10 GB file with no newline is a scan of all of it.
 */
async function readRangeStreaming(fd: number, filePath: string, startLine: number, endLine: number, limit: number, signal: AbortSignal): Promise<string> {
  const lines = new LineRangeCollector(filePath, startLine, endLine, limit);
  if (lines.rangeIsEmpty()) return '';
  // Byte chunks rather than readline: a single huge line is never buffered whole.
  const stream = fs.createReadStream('', { fd, autoClose: false, start: 0, highWaterMark: READ_STREAM_CHUNK_BYTES });
  try {
    for await (const chunk of stream) {
      if (signal.aborted) throw new ToolError('read: aborted');
      lines.collectFrom(chunk as Buffer);
      if (lines.rangeIsCollected()) break;
    }
  } finally {
    // the fd stays ours: wait for the stream to let go of it before the caller closes it
    await new Promise<void>((resolve) => {
      if (stream.closed) return resolve();
      stream.once('close', () => resolve());
      stream.destroy();
    });
  }
  return lines.text();
}

/** Collects the bytes of lines `[startLine, endLine]` from consecutive chunks, capped at `limit` (the SDK's, verbatim). */
class LineRangeCollector {
  private readonly start: number;
  private readonly end: number;
  private line = 0;
  private readonly collected: Buffer[] = [];
  private collectedBytes = 0;

  constructor(
    private readonly filePath: string,
    private readonly startLine: number,
    private readonly endLine: number,
    private readonly limit: number,
  ) {
    this.start = Math.max(0, startLine - 1);
    this.end = endLine > 0 ? endLine : Infinity;
  }

  rangeIsEmpty(): boolean {
    return this.end <= this.start;
  }

  rangeIsCollected(): boolean {
    return this.line >= this.end;
  }

  collectFrom(chunk: Buffer): void {
    let lineStart = 0;
    while (lineStart < chunk.length && !this.rangeIsCollected()) {
      const newline = chunk.indexOf(0x0a, lineStart);
      const lineEnd = newline < 0 ? chunk.length : newline;
      if (this.line >= this.start) this.collect(chunk.subarray(lineStart, lineEnd), newline >= 0);
      if (newline < 0) break;
      this.line++;
      lineStart = newline + 1;
    }
  }

  text(): string {
    return Buffer.concat(this.collected, this.collectedBytes).toString('utf8');
  }

  private collect(lineBytes: Buffer, newlineTerminated: boolean): void {
    this.collected.push(lineBytes);
    this.collectedBytes += lineBytes.length;
    if (newlineTerminated && this.line + 1 < this.end) {
      this.collected.push(NEWLINE);
      this.collectedBytes += NEWLINE.length;
    }
    if (this.collectedBytes > this.limit) throw this.overLimitError();
  }

  private overLimitError(): ToolError {
    if (this.end - this.start === 1) {
      return new ToolError(
        `read: line ${this.start + 1} of ${this.filePath} alone exceeds ${this.limit}-byte limit. ` +
          'The read tool cannot return part of a line, so view_range cannot narrow this further.',
      );
    }
    return new ToolError(
      `read: view_range [${this.startLine}, ${this.endLine}] of ${this.filePath} exceeds ${this.limit}-byte limit. ` +
        'Narrow the view_range to read a smaller portion.',
    );
  }
}
