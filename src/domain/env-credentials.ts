// Environment-variable credentials as a sandbox sees them: the variable holds a placeholder, and
// the egress proxy swaps it for the secret in requests to the credential's hosts (docs/vaults.md).

/** One of a session's environment_variable credentials, resolved now (the secret opened). */
export interface EnvCredential {
  credentialId: string;
  /** The variable's name inside the sandbox (`secret_name`). */
  name: string;
  /** What the variable holds inside the sandbox; never the secret. */
  placeholder: string;
  /** Host patterns (`allowed_hosts`) the secret may go to; undefined: any host (`unrestricted`). */
  hosts: readonly string[] | undefined;
  /** `injection_location`. */
  header: boolean;
  body: boolean;
  /** The secret. Lives only in the server process; never logged. */
  value: string;
}

/**
 * Variables agentd itself sets inside a sandbox: a credential by one of these names would replace
 * (or be replaced by) what the sandbox needs to work, so sessions refuse it.
 */
export const RESERVED_SANDBOX_VARIABLES: ReadonlySet<string> = new Set([
  'PATH',
  'HOME',
  'LANG',
  'TERM',
  'TMPDIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'http_proxy',
  'https_proxy',
  'NO_PROXY',
  'no_proxy',
  'SSL_CERT_FILE',
  'NODE_EXTRA_CA_CERTS',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'GIT_SSL_CAINFO',
  'AGENTD_AS_KB',
  'AGENTD_NPROC',
]);
