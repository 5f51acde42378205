// A real OTLP/HTTP trace receiver on 127.0.0.1: decodes each export request — protobuf with
// protobufjs over the OTLP trace schema (opentelemetry-proto, the fields tests read), or OTLP JSON —
// into plain spans, and answers with the status the test scripts (200 unless told otherwise).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';

/** The subset of opentelemetry/proto/collector/trace/v1 and trace/v1 that tests read (field numbers as upstream). */
const OTLP_TRACE_PROTO = `
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message InstrumentationScope { string name = 1; string version = 2; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4;
  string name = 5; int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; repeated Link links = 13; Status status = 15;
}
message Link { bytes trace_id = 1; bytes span_id = 2; }
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; bytes bytes_value = 7; }
}
message ArrayValue { repeated AnyValue values = 1; }
`;

const requestType = protobuf.parse(OTLP_TRACE_PROTO, { keepCase: false }).root.lookupType('otlp.ExportTraceServiceRequest');

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
  resource: Record<string, unknown>;
}

export interface ReceivedExport {
  path: string;
  contentType: string;
  headers: Record<string, string>;
  spans: ReceivedSpan[];
}

export interface OtlpReceiver {
  readonly url: string;
  readonly exports: ReceivedExport[];
  /** Every span received so far. */
  spans(): ReceivedSpan[];
  /** The status to answer with (200 by default). */
  status: number;
  /** Resolves once a received span matches; rejects after `timeoutMs`. */
  waitFor(match: (s: ReceivedSpan) => boolean, timeoutMs?: number): Promise<ReceivedSpan>;
  close(): Promise<void>;
}

type AnyValue = Record<string, unknown>;

function anyValue(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if ('stringValue' in v) return v['stringValue'];
  if ('boolValue' in v) return v['boolValue'];
  if ('intValue' in v) return Number(v['intValue']);
  if ('doubleValue' in v) return Number(v['doubleValue']);
  if ('arrayValue' in v) return ((v['arrayValue'] as { values?: AnyValue[] }).values ?? []).map(anyValue);
  return undefined;
}

function attributes(list: Array<{ key: string; value?: AnyValue }> | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, anyValue(kv.value)]));
}

/** Ids: bytes in protobuf (hex here), hex strings in OTLP JSON. */
const hex = (v: unknown): string => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : typeof v === 'string' ? v : '');

interface OtlpRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value?: AnyValue }> };
    scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }>;
  }>;
}

function spansOf(request: OtlpRequest): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((rs) =>
    (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((s) => ({
        traceId: hex(s['traceId']),
        spanId: hex(s['spanId']),
        parentSpanId: hex(s['parentSpanId']),
        name: String(s['name']),
        kind: Number(s['kind'] ?? 0),
        attributes: attributes(s['attributes'] as Array<{ key: string; value?: AnyValue }>),
        status: { code: Number((s['status'] as { code?: number } | undefined)?.code ?? 0), message: String((s['status'] as { message?: string } | undefined)?.message ?? '') },
        resource: attributes(rs.resource?.attributes),
      })),
    ),
  );
}

export function decodeExport(contentType: string, body: Buffer): ReceivedSpan[] {
  if (contentType.startsWith('application/json')) return spansOf(JSON.parse(body.toString('utf8')) as OtlpRequest);
  if (contentType.startsWith('application/x-protobuf')) {
    const message = requestType.decode(body);
    return spansOf(requestType.toObject(message, { longs: String, bytes: Uint8Array, defaults: false, oneofs: false }) as OtlpRequest);
  }
  throw new Error(`unexpected OTLP content type ${contentType}`);
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const exports: ReceivedExport[] = [];
  const waiters = new Set<() => void>();
  const receiver = {
    status: 200,
    exports,
    spans: () => exports.flatMap((e) => e.spans),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const contentType = req.headers['content-type'] ?? '';
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
      if (receiver.status >= 200 && receiver.status < 300) {
        exports.push({ path: req.url ?? '', contentType, headers, spans: decodeExport(contentType, Buffer.concat(chunks)) });
        for (const w of waiters) w();
      }
      res.writeHead(receiver.status, { 'content-type': contentType.startsWith('application/json') ? 'application/json' : 'application/x-protobuf' });
      res.end(contentType.startsWith('application/json') ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}`,
    waitFor(match: (s: ReceivedSpan) => boolean, timeoutMs = 30_000): Promise<ReceivedSpan> {
      return new Promise<ReceivedSpan>((resolve, reject) => {
        const check = () => {
          const found = receiver.spans().find(match);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching span within ${timeoutMs} ms; received: ${receiver.spans().map((s) => s.name).join(', ')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
