// The part of html-to-text (10.x, which ships no types) that web_fetch uses.
declare module 'html-to-text' {
  export function convert(html: string, options?: Record<string, unknown>): string;
}
