// Prometheus metrics of this process (GET /metrics): model calls and tokens from the usage ledger's
// rows (engine and gateway alike), built-in tool calls, sessions by status, events appended, HTTP
// requests, and prom-client's default process metrics. One registry per server, so several servers
// in one process (tests) never share figures.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { UsageRecord } from '../store/usage-types.js';

/** Token kinds of agentd_model_tokens_total's `type` label. */
const TOKEN_TYPES = [
  ['input', (r: UsageRecord) => r.inputTokens],
  ['output', (r: UsageRecord) => r.outputTokens],
  ['cache_read', (r: UsageRecord) => r.cacheReadInputTokens],
  ['cache_creation', (r: UsageRecord) => r.cacheCreation5mInputTokens + r.cacheCreation1hInputTokens],
] as const;

/** Model calls take seconds to minutes; tools and HTTP requests milliseconds to minutes. */
const MODEL_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
const SHORT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export interface MetricsSources {
  /** Sessions per status, read at scrape time. */
  sessionsByStatus(): Promise<Record<string, number>>;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly modelRequests = new Counter({
    name: 'agentd_model_requests_total',
    help: 'Model calls (agent turns, compaction, gateway), by provider, model and outcome (ok or the error type)',
    labelNames: ['provider', 'model', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly modelTokens = new Counter({
    name: 'agentd_model_tokens_total',
    help: 'Tokens of model calls, by model and type (input, output, cache_read, cache_creation)',
    labelNames: ['model', 'type'] as const,
    registers: [this.registry],
  });
  private readonly modelCost = new Counter({
    name: 'agentd_model_list_cost_usd_total',
    help: 'List cost of priced model calls in USD, by model',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  private readonly modelDuration = new Histogram({
    name: 'agentd_model_request_duration_seconds',
    help: 'Wall time of model calls, by provider and model',
    labelNames: ['provider', 'model'] as const,
    buckets: MODEL_BUCKETS,
    registers: [this.registry],
  });
  private readonly toolCalls = new Counter({
    name: 'agentd_tool_calls_total',
    help: 'Built-in tool calls run by the engine, by tool and outcome (ok, error, interrupted)',
    labelNames: ['tool', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly toolDuration = new Histogram({
    name: 'agentd_tool_call_duration_seconds',
    help: 'Wall time of built-in tool calls, by tool',
    labelNames: ['tool'] as const,
    buckets: SHORT_BUCKETS,
    registers: [this.registry],
  });
  private readonly eventsAppended = new Counter({
    name: 'agentd_events_appended_total',
    help: 'Session events committed to the log by this process',
    registers: [this.registry],
  });
  private readonly httpRequests = new Counter({
    name: 'agentd_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: 'agentd_http_request_duration_seconds',
    help: 'Time to answer HTTP requests (streams: until they end), by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: SHORT_BUCKETS,
    registers: [this.registry],
  });
  private readonly workspaceSnapshots = new Counter({
    name: 'agentd_workspace_snapshots_total',
    help: 'Workspace snapshots at turn ends, by outcome (base, layer, nothing: unchanged, skipped: over AGENTD_WORKSPACE_SNAPSHOT_MAX_BYTES)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly workspaceSnapshotBytes = new Counter({
    name: 'agentd_workspace_snapshot_bytes_total',
    help: 'Compressed bytes of workspace snapshots written to the blob store, by kind (base, layer)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly workspaceRestores = new Counter({
    name: 'agentd_workspace_restores_total',
    help: 'Workspaces restored from their snapshots (a replica ran a session another one wrote last)',
    registers: [this.registry],
  });

  private readonly spansExported = new Counter({
    name: 'agentd_trace_spans_exported_total',
    help: 'OpenTelemetry spans delivered, by target (env: the OTEL_* exporter, else the telemetry destination id)',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });
  private readonly spansDropped = new Counter({
    name: 'agentd_trace_spans_dropped_total',
    help: 'OpenTelemetry spans not delivered, by target and reason (queue_full, export_failed)',
    labelNames: ['target', 'reason'] as const,
    registers: [this.registry],
  });

  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'agentd_sessions',
      help: 'Sessions (not archived) by status, from the database at scrape time',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [status, n] of Object.entries(await sources.sessionsByStatus())) this.set({ status }, n);
      },
    });
  }

  /** A workspace snapshot taken (its compressed bytes) or not (nothing changed, or skipped over the cap). */
  workspaceSnapshot(outcome: 'base' | 'layer' | 'nothing' | 'skipped', bytes = 0): void {
    this.workspaceSnapshots.inc({ outcome });
    if (outcome === 'base' || outcome === 'layer') this.workspaceSnapshotBytes.inc({ kind: outcome }, bytes);
  }

  workspaceRestore(): void {
    this.workspaceRestores.inc();
  }

  /** Model calls as the ledger records them. */
  modelCalls(records: readonly UsageRecord[]): void {
    for (const r of records) {
      this.modelRequests.inc({ provider: r.provider, model: r.model, outcome: r.outcome });
      for (const [type, count] of TOKEN_TYPES) {
        const n = count(r);
        if (n > 0) this.modelTokens.inc({ model: r.model, type }, n);
      }
      if (r.listCostNanoUsd) this.modelCost.inc({ model: r.model }, r.listCostNanoUsd / 1e9);
      this.modelDuration.observe({ provider: r.provider, model: r.model }, r.latencyMs / 1000);
    }
  }

  toolCall(tool: string, outcome: 'ok' | 'error' | 'interrupted', seconds: number): void {
    this.toolCalls.inc({ tool, outcome });
    this.toolDuration.observe({ tool }, seconds);
  }

  /** Span export results (telemetry/span-export.ts). */
  readonly spans = {
    exported: (target: string, n: number) => this.spansExported.inc({ target }, n),
    dropped: (target: string, reason: 'queue_full' | 'export_failed', n: number) => this.spansDropped.inc({ target, reason }, n),
  };

  eventsCommitted(n: number): void {
    this.eventsAppended.inc(n);
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpDuration.observe({ method, route }, seconds);
  }

  /** The text exposition format. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
