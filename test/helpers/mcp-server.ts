// A real MCP server on 127.0.0.1, built with @modelcontextprotocol/sdk's McpServer: Streamable HTTP
// (stateless, one transport per request) or the older HTTP+SSE transport, bearer-protected, with
// tools that add, echo, fail, answer a JSON-RPC error, and block until released.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { z } from 'zod';

export interface McpCall {
  tool: string;
  args: Record<string, unknown>;
  authorization: string | undefined;
}

export interface TestMcpServer {
  readonly url: string;
  /** Every tools/call the server ran, in order. */
  readonly calls: McpCall[];
  /** Every Authorization header the server saw (accepted or not). */
  readonly authorizations: (string | undefined)[];
  /** Bearer tokens accepted from now on (none: no authentication). */
  accept(tokens: string[] | undefined): void;
  /** Releases calls of the `block` tool. */
  release(): void;
  /** Resolves when a `block` call has started. */
  blocked(): Promise<void>;
  close(): Promise<void>;
}

export async function startMcpServer(opts: { transport?: 'streamable' | 'sse'; tokens?: string[] } = {}): Promise<TestMcpServer> {
  let tokens = opts.tokens;
  const calls: McpCall[] = [];
  const authorizations: (string | undefined)[] = [];
  let releaseBlock: () => void = () => {};
  let blockGate = new Promise<void>((r) => (releaseBlock = r));
  let onBlocked: () => void = () => {};
  let blockedP = new Promise<void>((r) => (onBlocked = r));

  const newServer = (authorization: string | undefined) => {
    const server = new McpServer({ name: 'agentd-test-mcp', version: '1.0.0' });
    const record = (tool: string, args: Record<string, unknown>) => calls.push({ tool, args, authorization });
    server.registerTool('add', { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } }, async (args) => {
      record('add', args);
      return { content: [{ type: 'text', text: String(args.a + args.b) }] };
    });
    server.registerTool('echo', { description: 'Echoes text.', inputSchema: { text: z.string() } }, async (args) => {
      record('echo', args);
      return { content: [{ type: 'text', text: args.text }] };
    });
    server.registerTool('explode', { description: 'Always fails.', inputSchema: {} }, async (args) => {
      record('explode', args);
      throw new Error('the tool exploded');
    });
    server.registerTool('rpc_error', { description: 'Answers a JSON-RPC error.', inputSchema: {} }, async () => {
      throw new Error('unreachable: answered at the HTTP layer');
    });
    // A careless server: its error quotes the Authorization header it received.
    server.registerTool('whoami', { description: 'Says who the caller is.', inputSchema: {} }, async (args) => {
      record('whoami', args);
      return { content: [{ type: 'text', text: `permission denied for ${authorization ?? '(nobody)'}` }], isError: true };
    });
    server.registerTool('block', { description: 'Waits until released.', inputSchema: {} }, async (args) => {
      record('block', args);
      onBlocked();
      await blockGate;
      return { content: [{ type: 'text', text: 'released' }] };
    });
    return server;
  };

  const sseTransports = new Map<string, SSEServerTransport>();
  const readJson = async (req: http.IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    return raw ? (JSON.parse(raw) as Record<string, any>) : undefined;
  };

  const httpServer = http.createServer((req, res) => {
    void (async () => {
      const authorization = req.headers.authorization;
      authorizations.push(authorization);
      if (tokens && !tokens.some((t) => authorization === `Bearer ${t}`)) {
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' });
        res.end(JSON.stringify({ error: 'invalid_token' }));
        return;
      }
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (opts.transport === 'sse') {
        if (req.method === 'GET' && url.pathname === '/mcp') {
          const transport = new SSEServerTransport('/messages', res);
          sseTransports.set(transport.sessionId, transport);
          res.on('close', () => sseTransports.delete(transport.sessionId));
          await newServer(authorization).connect(transport);
          return;
        }
        if (req.method === 'POST' && url.pathname === '/messages') {
          const transport = sseTransports.get(url.searchParams.get('sessionId') ?? '');
          if (!transport) return void res.writeHead(404).end();
          await transport.handlePostMessage(req, res, await readJson(req));
          return;
        }
        res.writeHead(405).end();
        return;
      }
      if (url.pathname !== '/mcp') return void res.writeHead(404).end();
      if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
      const body = await readJson(req);
      if (body?.method === 'tools/call' && body.params?.name === 'rpc_error') {
        calls.push({ tool: 'rpc_error', args: body.params.arguments ?? {}, authorization });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: body.id, error: { code: -32603, message: 'database offline' } }));
        return;
      }
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true } as never);
      res.on('close', () => void transport.close());
      await newServer(authorization).connect(transport);
      await transport.handleRequest(req, res, body);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    authorizations,
    accept: (t) => (tokens = t),
    release: () => {
      releaseBlock();
      blockGate = new Promise<void>((r) => (releaseBlock = r));
    },
    blocked: () => blockedP.then(() => void (blockedP = new Promise<void>((r) => (onBlocked = r)))),
    close: async () => {
      releaseBlock();
      httpServer.closeAllConnections();
      await new Promise<void>((r) => httpServer.close(() => r()));
    },
  };
}
