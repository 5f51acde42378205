// The OTLP exporters themselves. Loaded only when a span is first exported (see lazy-exporter.ts):
// they and their protobuf/transport modules are a large share of start-up otherwise.
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export function newOtlpExporter(url: string, protocol: OtlpProtocol, headers: Record<string, string>, timeoutMillis: number): SpanExporter {
  const config = { url, headers, timeoutMillis };
  return protocol === 'http/json' ? new OtlpJsonExporter(config) : new OtlpProtoExporter(config);
}
