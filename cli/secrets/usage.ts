// Usage text of `agentd secrets` (also shown in `agentd --help`).
export const SECRETS_USAGE = `  secrets rotate-key
            re-seal every vault secret under a new key (stop the servers first)
            --data-dir <dir>       data dir (AGENTD_DATA_DIR, default ./.agentd)
            --database-url <url>   database (DATABASE_URL)
            With a key file (<data-dir>/secret.key) a new key is generated and replaces it.
            With AGENTD_SECRET_KEY set, pass the new key in AGENTD_NEW_SECRET_KEY, then
            restart the servers with AGENTD_SECRET_KEY set to it. Safe to re-run if cut short.
            Exit status: 0 done, 1 failed, 2 usage error.
`;
