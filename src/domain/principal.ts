// Who a request acts for: an API key (its whole workspace) or a self-hosted worker credential
// (one environment's work queue, or one claim of one work item and its session).
export type Principal =
  | { kind: 'api_key'; workspaceId: string }
  | { kind: 'environment_key'; workspaceId: string; environmentId: string; keyId: string }
  | {
      kind: 'work_token';
      workspaceId: string;
      environmentId: string;
      workId: string;
      sessionId: string;
      /** The claim the token was minted for. */
      claim: number;
      /** Still the item's current claim and the item is not stopped: the session is the holder's to serve. */
      current: boolean;
    };

export type PrincipalKind = Principal['kind'];
