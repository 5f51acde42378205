// Terminal styling: ANSI only when writing to a terminal and NO_COLOR is unset (https://no-color.org).
export interface Style {
  dim(s: string): string;
  bold(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;

const ANSI: Style = { dim: wrap(2, 22), bold: wrap(1, 22), red: wrap(31, 39), yellow: wrap(33, 39), cyan: wrap(36, 39) };
const id = (s: string) => s;
const PLAIN: Style = { dim: id, bold: id, red: id, yellow: id, cyan: id };

export function styleFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): Style {
  return stream.isTTY && !env.NO_COLOR ? ANSI : PLAIN;
}
