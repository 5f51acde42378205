// Exit statuses of the platform commands (documented in the README's CLI section and `--help`).
export const EXIT = {
  ok: 0,
  /** The server refused the request or failed, or could not be reached. */
  failed: 1,
  /** Bad flags or arguments. */
  usage: 2,
  /** The server answered 404: the resource (or the endpoint) does not exist. */
  notFound: 3,
  /** Interrupted with Ctrl-C (`sessions tail`). */
  interrupted: 130,
} as const;
