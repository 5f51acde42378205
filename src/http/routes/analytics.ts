// /v1/organizations/analytics/usage and /cost: token usage and list cost from the usage ledger's
// hourly rollups, grouped, filtered, bucketed and paged as the SDK's analytics resources expect.
import type { FastifyInstance } from 'fastify';
import type { CommandContext } from '../../commands/context.js';
import type { UsageReportQuery, UsageReportRow } from '../../store/usage-types.js';
import { pageToken, readReportQuery } from '../analytics-query.js';
import { presentCostItem, presentUsageItem } from '../presenters/analytics.js';
import type { Query } from '../query.js';

export function analyticsRoutes(app: FastifyInstance, ctx: CommandContext): void {
  const report = async <T>(q: UsageReportQuery, present: (q: UsageReportQuery, row: UsageReportRow) => T) => {
    const rows = await ctx.store.usage.report({ ...q, limit: q.limit + 1 });
    const hasMore = rows.length > q.limit;
    return {
      data: rows.slice(0, q.limit).map((r) => present(q, r)),
      has_more: hasMore,
      next_page: hasMore ? pageToken(q.offset + q.limit) : null,
      // The rollups are written with the ledger: a report is as fresh as the calls recorded.
      data_refreshed_at: new Date(Date.parse(ctx.now())).toISOString().replace('.000Z', 'Z'),
    };
  };

  app.get<{ Querystring: Query }>('/v1/organizations/analytics/usage', async (req) =>
    report(readReportQuery(req.query, 'usage', req.workspaceId, Date.parse(ctx.now())), presentUsageItem),
  );

  app.get<{ Querystring: Query }>('/v1/organizations/analytics/cost', async (req) =>
    report(readReportQuery(req.query, 'cost', req.workspaceId, Date.parse(ctx.now())), presentCostItem),
  );
}
