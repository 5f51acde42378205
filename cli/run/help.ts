// Usage text of `agentd run` (also shown in `agentd --help`).
export const RUN_USAGE = `  run "<task>"  run one task on an agentd server and stream what the agent does
            --url <url>            server (AGENTD_URL, default http://127.0.0.1:4600)
            --api-key <key>        server key (AGENTD_API_KEY); if neither is set, the key
                                   file that \`agentd serve\` writes is read:
                                   ./.agentd/api-key (or $AGENTD_DATA_DIR/api-key)
            --model <id>           model of the default agent (default claude-opus-4-8)
            --tools <a,b,...>      enable only these built-in tools (default: all of
                                   bash, read, write, edit, glob, grep, web_fetch, web_search)
            --ask <a,b,...>        ask before each call of these tools (y/N on the terminal;
                                   denied when stdin is not a terminal)
            --system <text>        system prompt of the default agent
            --json                 print each event as one JSON line instead of text
            --out <dir>            when done, copy the session's outputs into <dir> (the
                                   task asks the agent to leave the files it made or changed
                                   in /mnt/session/outputs, which agentd keeps as files)
            Reuses an environment and an agent named "agentd-default" (the agent gets a new
            version only when --model/--tools/--ask/--system change). Ctrl-C interrupts the
            agent and waits for it to stop (exit 130); a second Ctrl-C quits at once.
            Exit status: 0 done, 1 failed, 2 usage error, 130 interrupted.
`;
