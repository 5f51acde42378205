// agentd's own web_fetch: GET one http(s) URL for the model, under the session environment's
// networking rules, never to private or local addresses (unless the operator allows it), within a
// size and time limit, with HTML reduced to readable text (html-to-text). Failures are error results
// the model can read; nothing here throws.
import http from 'node:http';
import https from 'node:https';
import type { WebFetchConfig } from '../../config/config.js';
import type { EgressPolicy } from '../../sandbox/egress/egress-policy.js';
import type { ToolOutcome } from '../../sandbox/types.js';
import { guardedLookup, isBlockedLiteral } from './web-address-guard.js';

const MAX_REDIRECTS = 5;
/** What reaches the model: past this the text is cut (with a note). */
const MAX_TEXT_CHARS = 100_000;
const TEXTUAL = /^(text\/|application\/(json|xml|xhtml\+xml|javascript|ld\+json)|[^;]*\+(json|xml))/i;

export interface WebFetchContext {
  config: WebFetchConfig;
  /** The environment's egress rules (undefined: unrestricted networking). */
  policy: EgressPolicy | undefined;
  signal: AbortSignal;
  /** The agent's web_fetch config: domain filters and a cap on the text returned. */
  tool?: { allowed_domains?: string[] | undefined; blocked_domains?: string[] | undefined; max_content_tokens?: number | null | undefined } | undefined;
}

/** `docs.example.com` is within `example.com`. */
const within = (host: string, domain: string) => {
  const d = domain.toLowerCase();
  return host === d || host.endsWith(`.${d}`);
};

const failure = (text: string): ToolOutcome => ({ isError: true, content: [{ type: 'text', text }] });

/** Why `url` may not be fetched, or undefined when it may. */
function refusal(url: URL, ctx: WebFetchContext): string | undefined {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `only http and https URLs can be fetched, not ${url.protocol}`;
  if (url.username || url.password) return 'URLs with credentials cannot be fetched';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const { allowed_domains: allowed, blocked_domains: blocked } = ctx.tool ?? {};
  if (allowed && !allowed.some((d) => within(host, d))) return `${host} is not in the tool's allowed_domains`;
  if (blocked?.some((d) => within(host, d))) return `${host} is in the tool's blocked_domains`;
  if (ctx.policy && !ctx.policy.allows(host)) return `${host} is not allowed by the environment's networking (allowed: ${ctx.policy.patterns.join(', ') || 'none'})`;
  // Literal addresses skip DNS (and so the guarded lookup): check them here.
  if (!ctx.config.allowPrivate && isBlockedLiteral(host)) return `${host} is a private or local address, which web_fetch may not reach`;
  return undefined;
}

interface Reply {
  status: number;
  location: string | undefined;
  contentType: string;
  body: Buffer;
  truncated: boolean;
}

function get(url: URL, ctx: WebFetchContext): Promise<Reply> {
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.get(
      url,
      {
        lookup: guardedLookup(ctx.config.allowPrivate) as never,
        signal: ctx.signal,
        headers: { 'user-agent': 'agentd-web-fetch', accept: 'text/html, text/plain, application/json, */*;q=0.5' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          const room = ctx.config.maxBytes - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            size += room;
            truncated = true;
            res.destroy();
            finish();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          const location = res.headers.location;
          resolve({ status: res.statusCode ?? 0, location, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks), truncated });
        };
        res.on('end', finish);
        res.on('error', (err) => (truncated ? finish() : reject(err)));
      },
    );
    req.on('error', reject);
  });
}

/** The page as text: HTML reduced to readable text, other textual types as they are. */
async function readable(reply: Reply): Promise<string | undefined> {
  const type = reply.contentType.split(';')[0]!.trim().toLowerCase();
  const text = reply.body.toString('utf8');
  if (type === 'text/html' || type === 'application/xhtml+xml') {
    // Loaded at the first HTML page, not at start-up (html-to-text and its parser are slow to load).
    const { convert } = await import('html-to-text');
    return convert(text, { wordwrap: false, selectors: [{ selector: 'img', format: 'skip' }, { selector: 'a', options: { hideLinkHrefIfSameAsText: true } }] });
  }
  if (type === '' || TEXTUAL.test(type)) return text;
  return undefined;
}

export async function webFetch(input: Record<string, unknown>, ctx: WebFetchContext): Promise<ToolOutcome> {
  if (typeof input['url'] !== 'string') return failure('web_fetch needs a "url" string');
  let url: URL;
  try {
    url = new URL(input['url']);
  } catch {
    return failure(`"${input['url']}" is not a valid URL`);
  }
  const deadline = AbortSignal.timeout(ctx.config.timeoutMs);
  const scoped: WebFetchContext = { ...ctx, signal: AbortSignal.any([ctx.signal, deadline]) };
  try {
    for (let hop = 0; ; hop++) {
      const refused = refusal(url, scoped);
      if (refused) return failure(`web_fetch refused ${url.href}: ${refused}`);
      const reply = await get(url, scoped);
      if (reply.status >= 300 && reply.status < 400 && reply.location) {
        if (hop === MAX_REDIRECTS) return failure(`web_fetch gave up on ${input['url']}: more than ${MAX_REDIRECTS} redirects`);
        url = new URL(reply.location, url); // every hop is checked again
        continue;
      }
      const text = await readable(reply);
      // max_content_tokens, at the ~4 characters per token the engine estimates with elsewhere.
      const maxChars = Math.min(MAX_TEXT_CHARS, (ctx.tool?.max_content_tokens ?? Infinity) * 4);
      if (text === undefined) return failure(`web_fetch: ${url.href} answered ${reply.status} with ${reply.contentType || 'no content type'}, which is not text`);
      const cut = text.length > maxChars;
      const notes = [
        `URL: ${url.href}`,
        `Status: ${reply.status}`,
        ...(reply.truncated ? [`(only the first ${ctx.config.maxBytes} bytes were read)`] : []),
        ...(cut ? [`(text cut at ${maxChars} characters)`] : []),
      ];
      return { isError: reply.status >= 400, content: [{ type: 'text', text: `${notes.join('\n')}\n\n${cut ? text.slice(0, maxChars) : text}` }] };
    }
  } catch (err) {
    if (deadline.aborted) return failure(`web_fetch timed out after ${ctx.config.timeoutMs} ms fetching ${url.href}`);
    if (ctx.signal.aborted) throw err; // an interrupt: the step handles it
    return failure(`web_fetch could not fetch ${url.href}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
