// Usage text of `agentd serve` (kept apart so `agentd --help` loads no server code).
export const SERVE_USAGE = `  serve     run the server (prints what it serves at start; see README "Running the server")
            --host <addr>          listen address (AGENTD_HOST, default 127.0.0.1)
            --port <n>             listen port (AGENTD_PORT, default 4600)
            --data-dir <dir>       data directory (AGENTD_DATA_DIR, default ./.agentd)
            --database-url <url>   postgres://user@host:5432/db selects PostgreSQL, sqlite:<path> an SQLite
                                   file (DATABASE_URL); unset: SQLite in the data dir
            --role all|api|engine  what this process does (AGENTD_ROLE, default all): api serves the API
                                   and runs no loops; engine runs sessions, schedules and webhooks and
                                   serves only /health, /health/ready and /metrics (docs/scaling.md)
            -h, --help             this help
            -v, --version          print the version
`;
