// Usage text of `agentd doctor` (also shown in `agentd --help`).
export const DOCTOR_USAGE = `  doctor   check what \`agentd serve\` needs (Node.js, data dir, database, the bucket of
            AGENTD_BLOB_URL, bubblewrap, each sandbox protection: networking, user,
            cgroups, seccomp; model credentials)
            and print what to fix; takes serve's --data-dir and --database-url and reads
            the same variables. Exit status: 0 all in place,
            1 something is missing, 2 usage error.
`;
