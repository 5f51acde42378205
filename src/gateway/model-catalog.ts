// agentd's model table for /v1/models: the Claude models of the reference catalog, plus AGENTD_MODEL_MAP aliases.
import type { ModelCapabilities, ModelInfo, ModelLine } from '@anthropic-ai/sdk/resources/models.js';

interface CatalogEntry {
  id: string;
  displayName: string;
  /** Release date; for undated aliases, agentd's best date (the list is ordered by it, newest first). */
  createdAt: string;
  line: ModelLine;
  contextWindow: number;
  maxOutput: number;
  lifecycle: ModelInfo['lifecycle'];
  deprecatedAt?: string;
  retiresAt?: string;
  /** Thinking: `adaptive` (4.6+), `always` (Fable/Mythos: adaptive only, cannot be disabled), or `enabled` (budgets). */
  thinking: 'adaptive' | 'always' | 'enabled';
  effort: boolean;
}

const CATALOG: readonly CatalogEntry[] = [
  { id: 'claude-fable-5', displayName: 'Claude Fable 5', createdAt: '2026-06-09T00:00:00Z', line: 'fable', contextWindow: 1_000_000, maxOutput: 128_000, lifecycle: 'active', thinking: 'always', effort: true },
  { id: 'claude-mythos-5', displayName: 'Claude Mythos 5', createdAt: '2026-06-09T00:00:00Z', line: 'mythos', contextWindow: 1_000_000, maxOutput: 128_000, lifecycle: 'active', thinking: 'always', effort: true },
  { id: 'claude-opus-4-8', displayName: 'Claude Opus 4.8', createdAt: '2026-05-01T00:00:00Z', line: 'opus', contextWindow: 1_000_000, maxOutput: 128_000, lifecycle: 'active', thinking: 'adaptive', effort: true },
  { id: 'claude-opus-4-7', displayName: 'Claude Opus 4.7', createdAt: '2026-04-01T00:00:00Z', line: 'opus', contextWindow: 1_000_000, maxOutput: 128_000, lifecycle: 'active', thinking: 'adaptive', effort: true },
  { id: 'claude-sonnet-4-6', displayName: 'Claude Sonnet 4.6', createdAt: '2026-02-17T00:00:00Z', line: 'sonnet', contextWindow: 1_000_000, maxOutput: 64_000, lifecycle: 'active', thinking: 'adaptive', effort: true },
  { id: 'claude-opus-4-6', displayName: 'Claude Opus 4.6', createdAt: '2026-02-05T00:00:00Z', line: 'opus', contextWindow: 1_000_000, maxOutput: 128_000, lifecycle: 'active', thinking: 'adaptive', effort: true },
  { id: 'claude-opus-4-5-20251101', displayName: 'Claude Opus 4.5', createdAt: '2025-11-01T00:00:00Z', line: 'opus', contextWindow: 200_000, maxOutput: 64_000, lifecycle: 'active', thinking: 'enabled', effort: true },
  { id: 'claude-haiku-4-5-20251001', displayName: 'Claude Haiku 4.5', createdAt: '2025-10-01T00:00:00Z', line: 'haiku', contextWindow: 200_000, maxOutput: 64_000, lifecycle: 'active', thinking: 'enabled', effort: false },
  { id: 'claude-sonnet-4-5-20250929', displayName: 'Claude Sonnet 4.5', createdAt: '2025-09-29T00:00:00Z', line: 'sonnet', contextWindow: 200_000, maxOutput: 64_000, lifecycle: 'active', thinking: 'enabled', effort: false },
  { id: 'claude-opus-4-1-20250805', displayName: 'Claude Opus 4.1', createdAt: '2025-08-05T00:00:00Z', line: 'opus', contextWindow: 200_000, maxOutput: 32_000, lifecycle: 'deprecated', retiresAt: '2026-08-05T00:00:00Z', thinking: 'enabled', effort: false },
  { id: 'claude-sonnet-4-20250514', displayName: 'Claude Sonnet 4', createdAt: '2025-05-14T00:00:00Z', line: 'sonnet', contextWindow: 200_000, maxOutput: 64_000, lifecycle: 'deprecated', thinking: 'enabled', effort: false },
  { id: 'claude-opus-4-20250514', displayName: 'Claude Opus 4', createdAt: '2025-05-14T00:00:00Z', line: 'opus', contextWindow: 200_000, maxOutput: 32_000, lifecycle: 'deprecated', thinking: 'enabled', effort: false },
  { id: 'claude-3-haiku-20240307', displayName: 'Claude Haiku 3', createdAt: '2024-03-07T00:00:00Z', line: 'haiku', contextWindow: 200_000, maxOutput: 4_096, lifecycle: 'deprecated', retiresAt: '2026-04-19T00:00:00Z', thinking: 'enabled', effort: false },
];

/** Aliases the API resolves to a dated id (`models.retrieve('claude-haiku-4-5')` answers the dated model). */
const ALIASES: Readonly<Record<string, string>> = {
  'claude-opus-4-5': 'claude-opus-4-5-20251101',
  'claude-haiku-4-5': 'claude-haiku-4-5-20251001',
  'claude-sonnet-4-5': 'claude-sonnet-4-5-20250929',
  'claude-opus-4-1': 'claude-opus-4-1-20250805',
  'claude-sonnet-4-0': 'claude-sonnet-4-20250514',
  'claude-opus-4-0': 'claude-opus-4-20250514',
};

const yes = { supported: true } as const;
const no = { supported: false } as const;
const flag = (b: boolean) => (b ? yes : no);

function capabilities(e: CatalogEntry): ModelCapabilities {
  const modern = e.thinking !== 'enabled';
  return {
    batch: yes,
    citations: yes,
    code_execution: yes,
    context_management: {
      supported: true,
      clear_thinking_20251015: yes,
      clear_tool_uses_20250919: yes,
      compact_20260112: flag(modern),
    },
    effort: { supported: e.effort, low: flag(e.effort), medium: flag(e.effort), high: flag(e.effort), max: flag(e.effort), xhigh: flag(e.effort && modern) },
    image_input: yes,
    pdf_input: yes,
    server_tools: { supported: true, code_execution: yes, web_search: yes },
    structured_outputs: yes,
    thinking: {
      supported: true,
      types: {
        adaptive: flag(modern),
        enabled: flag(e.thinking === 'enabled'),
        disabled: flag(e.thinking !== 'always'),
        between_tools: no,
      },
    },
  };
}

function present(e: CatalogEntry, id = e.id): ModelInfo {
  return {
    type: 'model',
    id,
    display_name: id === e.id ? e.displayName : `${e.displayName} (${id})`,
    created_at: e.createdAt,
    line: e.line,
    lifecycle: e.lifecycle,
    deprecated_at: e.deprecatedAt ?? null,
    retires_at: e.retiresAt ?? null,
    max_input_tokens: e.contextWindow,
    max_tokens: e.maxOutput,
    capabilities: capabilities(e),
  };
}

const entryFor = (id: string): CatalogEntry | undefined => {
  const dated = ALIASES[id] ?? id;
  return CATALOG.find((e) => e.id === dated);
};

/** A model id that is not in the table: an AGENTD_MODEL_MAP alias the operator defined. */
function mapAlias(id: string, target: string): ModelInfo {
  const known = entryFor(target);
  if (known) return present(known, id);
  return {
    type: 'model',
    id,
    display_name: id,
    created_at: '1970-01-01T00:00:00Z',
    line: null,
    lifecycle: 'active',
    deprecated_at: null,
    retires_at: null,
    max_input_tokens: null,
    max_tokens: null,
    capabilities: null,
  };
}

export class ModelCatalog {
  constructor(private readonly modelMap: Readonly<Record<string, string>>) {}

  /** Every model, newest first: the table, then map aliases the table does not already list. */
  all(): ModelInfo[] {
    const listed = CATALOG.map((e) => present(e));
    const ids = new Set(listed.map((m) => m.id));
    const aliases = Object.entries(this.modelMap)
      .filter(([id]) => !ids.has(id) && !ALIASES[id])
      .map(([id, target]) => mapAlias(id, target));
    return [...listed, ...aliases];
  }

  get(id: string): ModelInfo | undefined {
    const entry = entryFor(id);
    if (entry) return present(entry);
    const target = this.modelMap[id];
    return target === undefined ? undefined : mapAlias(id, target);
  }
}
