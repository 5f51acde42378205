// Stack traces of the bundled agentd name the TypeScript sources. Node's own switch
// (`process.setSourceMapsEnabled`, `--enable-source-maps`) reads and measures every loaded
// chunk's map at load, ~40 ms of a ~400 ms start (docs/benchmarks.md, "Start-up"); this reads a
// chunk's map only when a stack that passes through it is first formatted.
import fs from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Maps frames in the files under the directory `dir` that have a `<file>.map` beside them. */
export function installSourceMappedStacks(dir: string): void {
  const prefix = pathToFileURL(dir).href.replace(/\/?$/, '/'); // the directory's own files, not a sibling's
  const maps = new Map<string, { map: SourceMap; url: string } | null>();

  const mapOf = (fileUrl: string) => {
    let entry = maps.get(fileUrl);
    if (entry === undefined) {
      try {
        const url = `${fileUrl}.map`;
        entry = { map: new SourceMap(JSON.parse(fs.readFileSync(fileURLToPath(url), 'utf8'))), url };
      } catch {
        entry = null; // no map (or unreadable): the frame stays as it is
      }
      maps.set(fileUrl, entry);
    }
    return entry;
  };

  const frameText = (frame: NodeJS.CallSite): string => {
    const text = frame.toString();
    const file = frame.getFileName();
    const line = frame.getLineNumber();
    const column = frame.getColumnNumber();
    if (!file || line === null || column === null) return text;
    const fileUrl = file.startsWith('file:') ? file : pathToFileURL(file).href;
    if (!fileUrl.startsWith(prefix)) return text;
    const found = mapOf(fileUrl);
    const hit = found?.map.findEntry(line - 1, column - 1);
    // findEntry answers the nearest mapping before the position, even on an earlier line: a frame in
    // code the map leaves out (a dependency, see scripts/slim-source-map.mjs) keeps the bundle's position.
    if (!found || !hit || !('originalSource' in hit) || !hit.originalSource || hit.generatedLine !== line - 1) return text;
    const source = fileURLToPath(new URL(hit.originalSource, found.url));
    return text.replace(`${file}:${line}:${column}`, `${source}:${hit.originalLine + 1}:${hit.originalColumn + 1}`);
  };

  Error.prepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => {
    let header: string;
    try {
      header = Error.prototype.toString.call(error);
    } catch {
      header = 'Error';
    }
    const lines = frames.map((frame) => {
      try {
        return `\n    at ${frameText(frame)}`;
      } catch {
        return `\n    at ${frame.toString()}`;
      }
    });
    return header + lines.join('');
  };
}
