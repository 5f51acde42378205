// Usage text of `agentd packages` (also shown in `agentd --help`).
export const PACKAGES_USAGE = `  packages list | clear [<key>...]
            the cache of environment package layers (AGENTD_PACKAGES_DIR, default
            <data-dir>/packages): list shows each layer's key, packages, size and build time;
            clear deletes the given layers, or all of them (stop the servers first: a running
            session's sandbox has its layer mounted). A deleted set is installed again when a
            session next needs it.
            --data-dir <dir>       data dir (AGENTD_DATA_DIR, default ./.agentd)
            Exit status: 0 done, 1 a key not found, 2 usage error.
`;
