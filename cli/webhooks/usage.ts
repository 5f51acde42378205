// Usage text of `agentd webhooks` (also shown in `agentd --help`).
export const WEBHOOKS_USAGE = `  webhooks create --url <url> --events <type,type,...> [--name <n>] [--description <d>]
            register a webhook endpoint and print its whsec_ signing secret
            (the last line of stdout; shown only this once)
  webhooks list
            print the endpoints: id, state, url, events (one per line)
  webhooks delete <webhook_endpoint_id>
            delete an endpoint; nothing more is delivered to it
            --server-url <url>     server (AGENTD_URL, default http://127.0.0.1:4600; for
                                   list and delete, --url names the server too)
            --api-key <key>        server key (AGENTD_API_KEY, else the key file
                                   ./.agentd/api-key or $AGENTD_DATA_DIR/api-key)
            Verify deliveries with client.beta.webhooks.unwrap(body, { headers, key }).
            Exit status: 0 done, 1 failed, 2 usage error.
`;
