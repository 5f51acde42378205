// Usage text of `agentd apply` (also shown in `agentd --help`).
export const APPLY_USAGE = `  apply -f <file|dir> [-f …] [--dry-run] [--prune] [--json]
            make the server hold what YAML files say: every .yaml/.yml (a directory's,
            recursively), every document in each, each \`kind:\` plus the fields the SDK's
            create takes — kind: environment | vault (no secret values) | memory_store | agent
            (name is the key; display_name for vaults) or kind: skill with directory: <folder>
            (its SKILL.md name is the key). Creates what is missing, updates what differs
            (agents get a new version, replacing the one read), leaves the rest; prints the
            plan first. --dry-run prints only the plan. --prune also removes what an earlier
            apply created (metadata agentd-apply: managed) that no file names any more
            (agents are archived, the others deleted); nothing is removed without it.
            --url, --api-key as for the other commands. Exit status: 0 done, 1 refused or
            failed (what was already applied stays), 2 usage error or bad file.
`;
