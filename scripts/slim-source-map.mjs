// Slims a bundle's source map to what stack traces need: the mappings into agentd's own sources, one
// per change of original line. The bundle's full map (~1.1 million segments, nine in ten of them into
// node_modules) cost the first stack trace formatted in a server ~300 ms of parsing and ~130 MB of
// heap kept for the process's life (node:module's SourceMap holds every segment as an array); the
// slim one costs ~20 ms and ~5 MB. Frames therefore name agentd's source file and line (the column is
// where that line's mapped code starts); frames in dependencies keep the bundle's own position.
import fs from 'node:fs';
import { decode, encode } from '@jridgewell/sourcemap-codec';

// A dependency's code: under node_modules, or named by URL (a dependency's own map, followed by esbuild).
const isOwn = (source) => !/^[a-z][a-z+.-]*:/i.test(source) && !source.split(/[\\/]/).includes('node_modules');

/** Rewrites `file` (a v3 source map) in place; `keep` says which sources stay mapped. */
export function slimSourceMap(file, keep = isOwn) {
  const map = JSON.parse(fs.readFileSync(file, 'utf8'));
  const sources = [];
  const newIndex = map.sources.map((source) => (keep(source) ? sources.push(source) - 1 : -1));
  // A segment is [column] or [column, source, line, column(, name)].
  const decoded = decode(map.mappings);
  const lines = decoded.map((segments) => {
    const kept = [];
    for (const s of segments) {
      if (s.length < 4 || newIndex[s[1]] < 0) continue;
      const last = kept[kept.length - 1];
      if (last && last[1] === newIndex[s[1]] && last[2] === s[2]) continue; // same original line
      kept.push([s[0], newIndex[s[1]], s[2], s[3]]);
    }
    return kept;
  });
  fs.writeFileSync(file, JSON.stringify({ version: 3, sources, names: [], mappings: encode(lines) }));
  const count = (ls) => ls.reduce((n, l) => n + l.length, 0);
  return { segmentsBefore: count(decoded), segmentsAfter: count(lines) };
}
