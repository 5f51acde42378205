// Wire types of the self-hosted work queue, re-exported from the pinned @anthropic-ai/sdk.
export type {
  BetaSelfHostedWork as Work,
  BetaSelfHostedWorkHeartbeatResponse as WorkHeartbeatResponse,
  BetaSelfHostedWorkQueueStats as WorkQueueStats,
  BetaWorkLeaseState as WorkLeaseState,
  BetaWorkSecret as WorkSecret,
  BetaHeartbeatPreconditionFailedErrorDetails as HeartbeatPreconditionFailedDetails,
} from '@anthropic-ai/sdk/resources/beta/environments/work.js';
