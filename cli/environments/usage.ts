// Usage text of `agentd environments` (also shown in `agentd --help`).
export const ENVIRONMENTS_USAGE = `  environments key <env_id>
            create a key for the workers of a self_hosted environment and print it
            (the last line of stdout; shown only this once, the server keeps a hash)
            --url <url>            server (AGENTD_URL, default http://127.0.0.1:4600)
            --api-key <key>        server key (AGENTD_API_KEY, else the key file
                                   ./.agentd/api-key or $AGENTD_DATA_DIR/api-key)
            Workers authenticate with it: new Anthropic({ baseURL, authToken: key }) and
            new EnvironmentWorker({ client, environmentId, environmentKey: key, ... }).
            Exit status: 0 done, 1 failed, 2 usage error.
`;
