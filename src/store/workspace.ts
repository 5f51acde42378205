// The workspace every resource and key belongs to until multi-tenancy lands.
export const DEFAULT_WORKSPACE_ID = 'wrkspc_default';
