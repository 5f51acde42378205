// A SpanExporter that loads the real OTLP exporter at its first export, so a server with no trace
// target (the common case) never loads the exporters, and one with a target starts just as fast.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { OtlpProtocol } from './otlp-exporters.js';

export class LazyOtlpExporter implements SpanExporter {
  private inner: Promise<SpanExporter> | undefined;

  constructor(
    private readonly url: string,
    private readonly protocol: OtlpProtocol,
    private readonly headers: Record<string, string>,
    private readonly timeoutMillis: number,
  ) {}

  private load(): Promise<SpanExporter> {
    this.inner ??= import('./otlp-exporters.js').then((m) => m.newOtlpExporter(this.url, this.protocol, this.headers, this.timeoutMillis));
    return this.inner;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.load().then(
      (exporter) => exporter.export(spans, resultCallback),
      (error: unknown) => resultCallback({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
    );
  }

  async shutdown(): Promise<void> {
    // Nothing was ever exported: there is no exporter to stop.
    if (this.inner) await (await this.inner).shutdown();
  }

  async forceFlush(): Promise<void> {
    if (this.inner) await (await this.inner).forceFlush?.();
  }
}
