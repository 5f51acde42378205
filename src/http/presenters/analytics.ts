// Report rows → the SDK's BetaAnalyticsUsageItem / BetaAnalyticsCostItem: the full group object
// (null for dimensions not grouped by), bucket or range bounds, and the metrics.
import type { BetaAnalyticsCostItem } from '@anthropic-ai/sdk/resources/beta/organization/analytics/cost.js';
import type { BetaAnalyticsUsageItem } from '@anthropic-ai/sdk/resources/beta/organization/analytics/usage.js';
import type { UsageReportQuery, UsageReportRow } from '../../store/usage-types.js';
import { WIRE_PRODUCT } from '../analytics-query.js';

const rfc3339 = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
const BUCKET_MS = { '1m': 60_000, '1h': 3_600_000, '1d': 86_400_000 } as const;

/** A row's period: its bucket (within the requested range), or the range. */
function period(q: UsageReportQuery, row: UsageReportRow): { starting_at: string; ending_at: string } {
  const start = Date.parse(q.start);
  const end = Date.parse(q.end);
  if (!q.bucket || row.bucket === null) return { starting_at: rfc3339(start), ending_at: rfc3339(end) };
  const b = row.bucket.length === 10 ? `${row.bucket}T00:00:00Z` : row.bucket.length === 13 ? `${row.bucket}:00:00Z` : `${row.bucket}:00Z`;
  const bucketStart = Date.parse(b);
  return { starting_at: rfc3339(Math.max(start, bucketStart)), ending_at: rfc3339(Math.min(end, bucketStart + BUCKET_MS[q.bucket])) };
}

const NULL_GROUP = {
  actor: null,
  actor_type: null,
  agent_id: null,
  api_key_id: null,
  claude_tag_category: null,
  claude_tag_user_id: null,
  context_window: null,
  deployment_id: null,
  environment_id: null,
  inference_geo: null,
  model: null,
  organization_id: null,
  product: null,
  rbac_group_id: null,
  service_tier: null,
  session_id: null,
  slack_channel_id: null,
  speed: null,
  user_profile_id: null,
  workspace_id: null,
};

function group(row: UsageReportRow) {
  const g = { ...NULL_GROUP, ...row.group };
  if (g.product !== null) g.product = WIRE_PRODUCT[g.product] ?? g.product;
  return g;
}

export function presentUsageItem(q: UsageReportQuery, row: UsageReportRow): BetaAnalyticsUsageItem {
  return {
    ...period(q, row),
    group: group(row),
    usage: {
      uncached_input_tokens: row.inputTokens,
      output_tokens: row.outputTokens,
      cache_read_input_tokens: row.cacheReadInputTokens,
      cache_creation: { ephemeral_5m_input_tokens: row.cacheCreation5mInputTokens, ephemeral_1h_input_tokens: row.cacheCreation1hInputTokens },
      total_tokens: row.inputTokens + row.outputTokens + row.cacheReadInputTokens + row.cacheCreation5mInputTokens + row.cacheCreation1hInputTokens,
      requests: row.requests,
      server_tool_use: { web_search_requests: 0 },
    },
  };
}

/** Nano-dollars as fractional cents, exactly (1 cent = 10^7 nano-dollars): "131.25", "0.0001611". */
export function fractionalCents(nanoUsd: number): string {
  const whole = Math.floor(nanoUsd / 1e7);
  const frac = String(nanoUsd % 1e7).padStart(7, '0').replace(/0+$/, '');
  return frac === '' ? String(whole) : `${whole}.${frac}`;
}

export function presentCostItem(q: UsageReportQuery, row: UsageReportRow): BetaAnalyticsCostItem {
  const amount = fractionalCents(row.listCostNanoUsd);
  return {
    ...period(q, row),
    group: { ...group(row), cost_type: null, token_type: null },
    // agentd prices at list price: no discounts, so both amounts are the list amount.
    cost: { amount, list_amount: amount, currency: 'USD', requests: row.requests },
  };
}
