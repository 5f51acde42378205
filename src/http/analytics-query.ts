// The query of GET /v1/organizations/analytics/usage and /cost, as the SDK writes it, checked and
// read into a UsageReportQuery: time range and bucket, group_by[] and filters over the dimensions
// agentd has, ordering, and the opaque page token. Parameters for dimensions agentd does not have
// (actors, Claude Tag, RBAC groups, regions…) are refused by name rather than ignored.
import { invalidRequest } from '../errors.js';
import { REPORT_DIMENSIONS, type ReportDimension, type ReportOrderBy, type UsageReportQuery } from '../store/usage-types.js';
import { queryArray, queryInt, queryString, type Query } from './query.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MINUTE = 60_000;

/** Ledger products under the names the SDK's analytics use. */
export const WIRE_PRODUCT: Record<string, string> = { agents: 'managed_agents_api', messages_api: 'messages_api', message_batches_api: 'message_batches_api' };
const LEDGER_PRODUCT = Object.fromEntries(Object.entries(WIRE_PRODUCT).map(([k, v]) => [v, k]));

/** Filter parameter → dimension. */
const FILTERS: Record<string, ReportDimension> = {
  agent_ids: 'agent_id',
  session_ids: 'session_id',
  deployment_ids: 'deployment_id',
  environment_ids: 'environment_id',
  models: 'model',
  api_key_ids: 'api_key_id',
  workspace_ids: 'workspace_id',
  products: 'product',
};

const UNSUPPORTED = [
  'actor_ids',
  'actor_types',
  'claude_tag_categories',
  'claude_tag_user_ids',
  'context_windows',
  'inference_geos',
  'organization_ids',
  'rbac_group_ids',
  'service_tiers',
  'slack_channel_ids',
  'speeds',
  'user_profile_ids',
  'exclude_deleted_users',
];

const ORDER_BY: Record<'usage' | 'cost', Record<string, ReportOrderBy>> = {
  usage: { total_tokens: 'total_tokens', output_tokens: 'output_tokens', requests: 'requests', uncached_input_tokens: 'uncached_input_tokens', time: 'time' },
  cost: { amount: 'list_cost', list_amount: 'list_cost', time: 'time' },
};

function timestamp(q: Query, name: string): number | undefined {
  const v = queryString(q, name);
  if (v === undefined) return undefined;
  // RFC 3339 with a zone: a bare date-time would be read in the server's zone.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(v)) {
    throw invalidRequest(`${name}: expected an RFC 3339 timestamp with a time zone, e.g. 2026-09-01T00:00:00Z`);
  }
  return Date.parse(v);
}

const floorTo = (t: number, unit: number) => Math.floor(t / unit) * unit;

/** What a report request asks for; `offset` comes from the page token. */
export function readReportQuery(q: Query, kind: 'usage' | 'cost', workspaceId: string, now: number): UsageReportQuery {
  for (const name of UNSUPPORTED) {
    if (q[name] !== undefined || q[`${name}[]`] !== undefined) throw invalidRequest(`${name}: agentd has no such dimension (see docs/observability.md)`);
  }
  const bucketParam = queryString(q, 'time_bucket_width');
  if (bucketParam !== undefined && !['1m', '1h', '1d'].includes(bucketParam)) throw invalidRequest('time_bucket_width: expected 1m, 1h or 1d');
  const bucket = bucketParam as UsageReportQuery['bucket'];
  const unit = bucket === '1m' ? MINUTE : HOUR;
  const startAt = timestamp(q, 'starting_at');
  if (startAt === undefined) throw invalidRequest('starting_at: required');
  const endParam = timestamp(q, 'ending_at');
  if (bucket !== undefined && endParam === undefined) throw invalidRequest('ending_at: required when time_bucket_width is set');
  const start = floorTo(startAt, unit);
  const end = floorTo(endParam ?? Math.min(now, startAt + 31 * DAY), unit);
  if (end <= start) throw invalidRequest('ending_at: must be after starting_at (by at least one hour; one minute with time_bucket_width=1m)');
  if (end - start > 31 * DAY) throw invalidRequest('ending_at: the range may span at most 31 days');
  if (bucket === '1m' && end - start > DAY) throw invalidRequest('ending_at: with time_bucket_width=1m the range may span at most 24 hours');

  const groupBy = queryArray(q, 'group_by') ?? [];
  for (const d of groupBy) {
    if (!(REPORT_DIMENSIONS as readonly string[]).includes(d)) {
      throw invalidRequest(`group_by: agentd cannot group by "${d}"; it groups by ${REPORT_DIMENSIONS.join(', ')}`);
    }
  }
  const filters: UsageReportQuery['filters'] = {};
  for (const [param, dim] of Object.entries(FILTERS)) {
    const values = queryArray(q, param);
    if (values === undefined) continue;
    filters[dim] = dim === 'product' ? values.map((v) => LEDGER_PRODUCT[v] ?? `unknown:${v}`) : values;
  }
  // A key sees its own workspace: other workspaces named in the filter match nothing.
  filters.workspace_id = filters.workspace_id ? filters.workspace_id.filter((w) => w === workspaceId) : [workspaceId];
  if (filters.workspace_id.length === 0) filters.workspace_id = ['-'];

  const orderByParam = queryString(q, 'order_by') ?? (kind === 'usage' ? 'total_tokens' : 'amount');
  const orderBy = ORDER_BY[kind][orderByParam];
  if (!orderBy) throw invalidRequest(`order_by: expected ${Object.keys(ORDER_BY[kind]).join(', ')}`);
  const order = queryString(q, 'order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw invalidRequest('order: expected asc or desc');
  const limit = queryInt(q, 'limit') ?? 20;
  if (limit < 1 || limit > 1000) throw invalidRequest('limit: must be between 1 and 1000');

  return {
    workspaceId,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    bucket,
    groupBy: groupBy as ReportDimension[],
    filters,
    orderBy,
    order,
    limit,
    offset: readPageToken(queryString(q, 'page')),
  };
}

/** Page tokens carry the offset into the ordered result (opaque to clients). */
export const pageToken = (offset: number) => Buffer.from(JSON.stringify({ o: offset })).toString('base64url');

function readPageToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  try {
    const o = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown }).o;
    if (typeof o === 'number' && Number.isInteger(o) && o >= 0) return o;
  } catch {
    // answered below
  }
  throw invalidRequest('page: not a page token from a previous response');
}
