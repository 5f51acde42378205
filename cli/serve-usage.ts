// Usage text of `agentd serve` (kept apart so `agentd --help` loads no server code).
export const SERVE_USAGE = `  serve     run the server
            --host <addr>          listen address (AGENTD_HOST, default 127.0.0.1)
            --port <n>             listen port (AGENTD_PORT, default 4600)
            --data-dir <dir>       data directory (AGENTD_DATA_DIR, default ./.agentd)
            --database-url <url>   postgres:// URL selects PostgreSQL (DATABASE_URL);
                                   otherwise SQLite in the data dir
`;
