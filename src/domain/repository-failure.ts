// Which session.error type a failed git operation on a repository resource is, read from git's
// own words (stderr, token already removed). Pure: the engine reports it, tests replay it.
export type RepositoryErrorType =
  | 'repository_authentication_error'
  | 'repository_forbidden_error'
  | 'repository_not_found_error'
  | 'repository_checkout_error'
  | 'repository_clone_error';

/** `clone`: fetching the repository; `checkout`: moving the clone to the requested commit. */
export type GitStage = 'clone' | 'checkout';

const CHECKOUT = [/Remote branch .* not found/i, /couldn't find remote ref/i, /reference is not a tree/i, /not our ref/i, /unadvertised object/i, /did not match any/i];
const AUTH = [/Authentication failed/i, /could not read (Username|Password)/i, /returned error: 401/i, /Permission denied \(publickey/i, /Host key verification failed/i];
const FORBIDDEN = [/returned error: 403/i];
const NOT_FOUND = [/repository '.*' not found/i, /repository '.*' does not exist/i, /does not appear to be a git repository/i, /returned error: 404/i];

/** The error type of a failure at `stage`; anything git says that is none of the known cases is a clone error. */
export function classifyGitFailure(stage: GitStage, stderr: string): RepositoryErrorType {
  if (stage === 'checkout' || CHECKOUT.some((re) => re.test(stderr))) return 'repository_checkout_error';
  if (AUTH.some((re) => re.test(stderr))) return 'repository_authentication_error';
  if (FORBIDDEN.some((re) => re.test(stderr))) return 'repository_forbidden_error';
  if (NOT_FOUND.some((re) => re.test(stderr))) return 'repository_not_found_error';
  return 'repository_clone_error';
}
