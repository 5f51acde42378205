// One place spans go: an OTLP/HTTP endpoint (the OTEL_* exporter or a telemetry destination) behind
// a bounded batch. Export never blocks or fails a turn: spans wait in memory up to a bound and leave
// in batches; what cannot be queued or sent is dropped and counted.
import type { Context } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BatchSpanProcessor, type ReadableSpan, type Span, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { CONTENT_ATTRIBUTES, capContent } from './span-content.js';
import { LazyOtlpExporter } from './lazy-exporter.js';
import type { OtlpProtocol } from './otlp-exporters.js';

export type { OtlpProtocol };

/** What the spans sent to a target contain: metadata only, or also prompts and tool payloads. */
export type ContentMode = { type: 'metadata_only' } | { type: 'content'; maxBytes: number | undefined };

export interface ExportTargetOptions {
  /** `env` for the OTEL_* exporter, else the destination id (the metric label). */
  name: string;
  /** The full traces URL. */
  url: string;
  protocol: OtlpProtocol;
  headers: Record<string, string>;
  content: ContentMode;
  /** Which spans go there (a destination covers some workspaces); every span when absent. */
  accepts?: (span: ReadableSpan) => boolean;
  batchDelayMs: number;
  maxQueueSize: number;
}

/** Where export results are counted (Prometheus) and delivery health recorded (destinations). */
export interface ExportObserver {
  exported(target: string, spans: number): void;
  dropped(target: string, reason: 'queue_full' | 'export_failed', spans: number): void;
  /** A batch was delivered (`error` undefined) or not (the reason, in delivery_health's words). */
  delivered?(target: string, error: string | undefined): void;
}

/** The failure in the words of the SDK's delivery_health (never a body, header or address). */
export function deliveryError(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  // Redirects are not followed (a collector that moved is a failed delivery, as the SDK describes).
  if (typeof code === 'number' && code >= 300 && code < 400) return `redirect (status ${code})`;
  if (typeof code === 'number' && code >= 100) return `HTTP error (status ${code})`;
  const text = error instanceof Error ? `${error.name} ${error.message}` : String(error);
  if (/timeout|timed out|aborted/i.test(text)) return 'timeout';
  return 'connection failure';
}

export function otlpExporter(url: string, protocol: OtlpProtocol, headers: Record<string, string>, timeoutMillis = 10_000): SpanExporter {
  return new LazyOtlpExporter(url, protocol, headers, timeoutMillis);
}

/** Exports spans as the target wants them (content stripped or capped), counting what went and what did not. */
class ObservedExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly options: ExportTargetOptions,
    private readonly observer: ExportObserver,
    private readonly onHandedOver: (n: number) => void,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.onHandedOver(spans.length);
    const { name } = this.options;
    this.inner.export(
      spans.map((s) => shapeContent(s, this.options.content)),
      (result) => {
        if (result.code === ExportResultCode.SUCCESS) {
          this.observer.exported(name, spans.length);
          this.observer.delivered?.(name, undefined);
        } else {
          this.observer.dropped(name, 'export_failed', spans.length);
          this.observer.delivered?.(name, deliveryError(result.error));
        }
        done(result);
      },
    );
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** A span as one target sees it: the same span with its content attributes removed or capped. */
function shapeContent(span: ReadableSpan, mode: ContentMode): ReadableSpan {
  const present = CONTENT_ATTRIBUTES.filter((k) => span.attributes[k] !== undefined);
  if (present.length === 0) return span;
  const attributes = { ...span.attributes };
  if (mode.type === 'metadata_only') for (const k of present) delete attributes[k];
  else Object.assign(attributes, capContent(span.attributes, mode.maxBytes));
  // The span's methods and getters stay reachable through the prototype.
  return Object.assign(Object.create(span) as ReadableSpan, { attributes });
}

/**
 * The SDK's BatchSpanProcessor, with its queue bound kept here so that a span it would drop is
 * counted: at most `maxQueueSize` spans are queued or being handed over at once.
 */
export class ExportTarget implements SpanProcessor {
  private readonly batch: BatchSpanProcessor;
  private queued = 0;

  constructor(
    readonly options: ExportTargetOptions,
    private readonly observer: ExportObserver,
    exporter: SpanExporter = otlpExporter(options.url, options.protocol, options.headers),
  ) {
    const observed = new ObservedExporter(exporter, options, observer, (n) => {
      this.queued = Math.max(0, this.queued - n);
    });
    this.batch = new BatchSpanProcessor(observed, {
      maxQueueSize: options.maxQueueSize,
      maxExportBatchSize: Math.min(512, options.maxQueueSize),
      scheduledDelayMillis: options.batchDelayMs,
      // Bounds a batch's export, retries included (and so the wait at shutdown for a dead collector).
      exportTimeoutMillis: 15_000,
    });
  }

  onStart(span: Span, parent: Context): void {
    this.batch.onStart(span, parent);
  }

  onEnd(span: ReadableSpan): void {
    if (this.options.accepts && !this.options.accepts(span)) return;
    if (this.queued >= this.options.maxQueueSize) {
      this.observer.dropped(this.options.name, 'queue_full', 1);
      return;
    }
    this.queued++;
    this.batch.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.batch.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.batch.shutdown();
  }
}
